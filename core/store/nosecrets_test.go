package store

import (
	"reflect"
	"strings"
	"testing"
)

// TestNoPlaceForEphemeralKeys walks the store document's types: no field may
// be meant for a private or ephemeral key (PAIRING.md: never stored).
func TestNoPlaceForEphemeralKeys(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := strings.ToLower(f.Name + " " + f.Tag.Get("json"))
			for _, banned := range []string{"private", "ephemeral", "secretkey", "sharedkey", "sessionkey"} {
				if strings.Contains(name, banned) {
					t.Errorf("%s.%s looks like a place for a key that must never be stored", path, f.Name)
				}
			}
			walk(f.Type, path+"."+f.Name)
		}
	}
	walk(reflect.TypeOf(Data{}), "Data")
	if len(seen) < 10 {
		t.Fatalf("walked only %d types: the walk is broken", len(seen))
	}
}
