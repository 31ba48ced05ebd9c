package mispsim

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// field is one key of an ordered JSON object.
type field struct {
	key   string
	value any
}

// object is a JSON object that keeps its keys in the order MISP writes them,
// so a person comparing our answers with the recordings sees the same layout.
type object []field

// MarshalJSON writes the keys in order, without HTML escaping (PHP's
// json_encode does not escape <, > and & either).
func (o object) MarshalJSON() ([]byte, error) {
	return appendJSON(nil, o)
}

// get returns the value stored under key, for tests and internal reuse.
func (o object) get(key string) (any, bool) {
	for _, f := range o {
		if f.key == key {
			return f.value, true
		}
	}
	return nil, false
}

// appendJSON writes v compactly. It walks objects and lists itself, so a
// deep answer is encoded in one pass instead of once per nesting level.
func appendJSON(buf []byte, v any) ([]byte, error) {
	var err error
	switch t := v.(type) {
	case object:
		buf = append(buf, '{')
		for i, f := range t {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendJSON(buf, f.key); err != nil {
				return nil, err
			}
			buf = append(buf, ':')
			if buf, err = appendJSON(buf, f.value); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	case []any:
		buf = append(buf, '[')
		for i, x := range t {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendJSON(buf, x); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, t), nil
	case int:
		return strconv.AppendInt(buf, int64(t), 10), nil
	case json.RawMessage:
		var c bytes.Buffer
		if err := json.Compact(&c, t); err != nil {
			return nil, err
		}
		return append(buf, c.Bytes()...), nil
	}
	b, err := marshalNoEscape(v)
	if err != nil {
		return nil, err
	}
	return append(buf, b...), nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// encodeBody renders a response body the way MISP does: pretty-printed with
// four spaces for people and most clients, compact for automatic MISP tools.
func encodeBody(v any, compact bool) ([]byte, error) {
	raw, err := appendJSON(nil, v)
	if err != nil {
		return nil, err
	}
	if compact {
		return raw, nil
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "    "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxBodyBytes caps what the simulator reads from a request body.
const maxBodyBytes = 4 << 20

// errInvalidJSON is what MISP reports for a body that is not JSON.
var errInvalidJSON = errors.New("invalid JSON input")

// readBody reads a request body, inflating it when it was sent gzip-compressed
// (MISP compresses instance-to-instance POSTs).
func readBody(r io.Reader, contentEncoding string) ([]byte, error) {
	limited := io.LimitReader(r, maxBodyBytes+1)
	raw, err := io.ReadAll(limited)
	if err != nil {
		return nil, err
	}
	if len(raw) > maxBodyBytes {
		return nil, fmt.Errorf("request body larger than %d bytes", maxBodyBytes)
	}
	if strings.EqualFold(strings.TrimSpace(contentEncoding), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, errInvalidJSON
		}
		inflated, err := io.ReadAll(io.LimitReader(zr, maxBodyBytes+1))
		if err != nil || len(inflated) > maxBodyBytes {
			return nil, errInvalidJSON
		}
		raw = inflated
	}
	return raw, nil
}

// parseBody decodes a JSON request body into a map. An empty body is an
// empty map; anything that is not a JSON object is errInvalidJSON, which
// MISP answers with 405 "Invalid JSON input". When the object holds exactly
// one key named model (MISP accepts {"Organisation": {...}} as well as the
// bare fields), the inner object is returned.
func parseBody(raw []byte, model string) (map[string]any, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errInvalidJSON
	}
	if dec.More() {
		return nil, errInvalidJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errInvalidJSON
	}
	m, ok := v.(map[string]any)
	if !ok {
		// MISP accepts a JSON array for some actions, but none that the
		// simulator answers; an empty array is what PHP sends for "{}".
		if arr, isArr := v.([]any); isArr && len(arr) == 0 {
			return map[string]any{}, nil
		}
		return nil, errInvalidJSON
	}
	if model != "" {
		if inner, ok := m[model].(map[string]any); ok {
			return inner, nil
		}
	}
	return m, nil
}

// looseInt reads an id or number the way PHP does: 3, "3", 3.0 all give 3.
func looseInt(v any) (int, bool) {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i), true
		}
		if f, err := t.Float64(); err == nil && f == float64(int(f)) {
			return int(f), true
		}
	case string:
		s := strings.TrimSpace(t)
		if i, err := strconv.Atoi(s); err == nil {
			return i, true
		}
	case float64:
		if t == float64(int(t)) {
			return int(t), true
		}
	case int:
		return t, true
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// looseBool reads a flag the way PHP does: true, 1, "1", "true" are true.
func looseBool(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return false, false
		}
		return f != 0, true
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "1", "true", "on", "yes":
			return true, true
		case "0", "false", "off", "no", "":
			return false, true
		}
	case float64:
		return t != 0, true
	case nil:
		return false, true
	}
	return false, false
}

// looseString reads a text field; numbers are written out as PHP would.
func looseString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		if t {
			return "1", true
		}
		return "", true
	case nil:
		return "", false
	}
	return "", false
}

// bodyInt, bodyBool and bodyString read an optional field of a body.
func bodyInt(m map[string]any, key string) (int, bool) {
	v, ok := m[key]
	if !ok {
		return 0, false
	}
	return looseInt(v)
}

func bodyBool(m map[string]any, key string) (bool, bool) {
	v, ok := m[key]
	if !ok {
		return false, false
	}
	return looseBool(v)
}

func bodyString(m map[string]any, key string) (string, bool) {
	v, ok := m[key]
	if !ok {
		return "", false
	}
	return looseString(v)
}

// optInt, optBool and optString copy an optional field of a body into dst
// when the body has it, as MISP's edits and adds do field by field.
func optInt(m map[string]any, key string, dst *int) {
	if v, ok := bodyInt(m, key); ok {
		*dst = v
	}
}

func optBool(m map[string]any, key string, dst *bool) {
	if v, ok := bodyBool(m, key); ok {
		*dst = v
	}
}

func optString(m map[string]any, key string, dst *string) {
	if v, ok := bodyString(m, key); ok {
		*dst = v
	}
}
