package store

import (
	"slices"
	"strings"
)

// Helpers for Update callbacks: put (replace by ID, or add) and remove.

// PutProfile replaces the profile with p.ID, or adds p.
func (d *Data) PutProfile(p Profile) {
	d.Profiles = put(d.Profiles, p, func(x Profile) string { return x.ID })
}

// PutPartner replaces the partner record with p.ID, or adds p.
func (d *Data) PutPartner(p Partner) {
	d.Partners = put(d.Partners, p, func(x Partner) string { return x.ID })
}

// PutPendingPairing replaces the pending pairing with p.ID, or adds p.
func (d *Data) PutPendingPairing(p PendingPairing) {
	d.Pending = put(d.Pending, p, func(x PendingPairing) string { return x.ID })
}

// RemoveProfile removes the profile with the given id. Partner records that
// belong to it are kept (they describe objects that still exist on MISP).
func (d *Data) RemoveProfile(id string) bool {
	return remove(&d.Profiles, id, func(x Profile) string { return x.ID })
}

// RemovePartner removes the partner record with the given id.
func (d *Data) RemovePartner(id string) bool {
	return remove(&d.Partners, id, func(x Partner) string { return x.ID })
}

// RemovePendingPairing removes the pending pairing with the given id.
func (d *Data) RemovePendingPairing(id string) bool {
	return remove(&d.Pending, id, func(x PendingPairing) string { return x.ID })
}

// FindPartner returns the record of the partner instance instanceUUID paired
// on profile profileID, so a re-pairing updates it rather than adding a
// second record. UUIDs compare case-insensitively.
func (d *Data) FindPartner(profileID, instanceUUID string) (*Partner, bool) {
	for i := range d.Partners {
		p := &d.Partners[i]
		if p.ProfileID == profileID && instanceUUID != "" && strings.EqualFold(p.InstanceUUID, instanceUUID) {
			return p, true
		}
	}
	return nil, false
}

// PartnersOf returns the partner records made on profile profileID.
func (d *Data) PartnersOf(profileID string) []Partner {
	var out []Partner
	for _, p := range d.Partners {
		if p.ProfileID == profileID {
			out = append(out, p)
		}
	}
	return out
}

func put[T any](list []T, item T, id func(T) string) []T {
	if i := slices.IndexFunc(list, func(x T) bool { return id(x) == id(item) }); i >= 0 {
		list[i] = item
		return list
	}
	return append(list, item)
}

func remove[T any](list *[]T, target string, id func(T) string) bool {
	before := len(*list)
	*list = slices.DeleteFunc(*list, func(x T) bool { return id(x) == target })
	return len(*list) != before
}
