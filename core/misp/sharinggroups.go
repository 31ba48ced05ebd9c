package misp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
)

// SharingGroup is a sharing group's own fields (sharing_groups/add, view,
// index; recordings 116, 120, 121).
type SharingGroup struct {
	ID               ID     `json:"id"`
	UUID             string `json:"uuid"`
	Name             string `json:"name"`
	Releasability    string `json:"releasability"`
	Description      Text   `json:"description"`
	OrgID            ID     `json:"org_id"`
	OrganisationUUID string `json:"organisation_uuid"`
	Active           Flag   `json:"active"`
	Roaming          Flag   `json:"roaming"`
	Local            Flag   `json:"local"`
}

// SharingGroupOrg is one organisation of a sharing group.
type SharingGroupOrg struct {
	ID           ID           `json:"id"`
	OrgID        ID           `json:"org_id"`
	Extend       Flag         `json:"extend"`
	Organisation Organisation `json:"Organisation"`
}

// SharingGroupServer is one server of a sharing group; server_id 0 is our
// own instance.
type SharingGroupServer struct {
	ServerID ID         `json:"server_id"`
	AllOrgs  Flag       `json:"all_orgs"`
	Server   serverStub `json:"Server"`
}

// serverStub is the Server of a SharingGroupServer: {id, name, url} in
// sharing_groups/view (120), but an empty LIST for our own instance in
// sharing_groups/index (121).
type serverStub struct {
	ID   ID     `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

func (s *serverStub) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' || string(t) == "null" {
		*s = serverStub{}
		return nil
	}
	type plain serverStub
	return json.Unmarshal(b, (*plain)(s))
}

// SharingGroupDetails is a sharing group with its owner, organisations and
// servers.
type SharingGroupDetails struct {
	SharingGroup       SharingGroup         `json:"SharingGroup"`
	Organisation       Organisation         `json:"Organisation"`
	SharingGroupOrg    []SharingGroupOrg    `json:"SharingGroupOrg"`
	SharingGroupServer []SharingGroupServer `json:"SharingGroupServer"`
}

// HasOrg reports whether the organisation id is in the group (the owner
// counts: MISP adds it implicitly).
func (d *SharingGroupDetails) HasOrg(id ID) bool {
	if d.SharingGroup.OrgID == id || d.Organisation.ID == id {
		return true
	}
	for _, o := range d.SharingGroupOrg {
		if o.OrgID == id {
			return true
		}
	}
	return false
}

// HasServer reports whether the server entry id is in the group.
func (d *SharingGroupDetails) HasServer(id ID) bool {
	for _, s := range d.SharingGroupServer {
		if s.ServerID == id {
			return true
		}
	}
	return false
}

// NewSharingGroup is the body of sharing_groups/add (recording 116).
type NewSharingGroup struct {
	Name          string `json:"name"`
	Releasability string `json:"releasability"`
	Description   string `json:"description"`
	Active        bool   `json:"active"`
	Roaming       bool   `json:"roaming"`
}

// AddSharingGroup creates a sharing group owned by the caller's
// organisation (POST /sharing_groups/add, recording 116).
func (c *Client) AddSharingGroup(ctx context.Context, g NewSharingGroup) (*SharingGroupDetails, error) {
	if strings.TrimSpace(g.Name) == "" {
		return nil, &Error{Kind: KindInvalidRequest, Op: "POST /sharing_groups/add", Message: "a sharing group needs a name"}
	}
	var d SharingGroupDetails
	if err := c.post(ctx, "/sharing_groups/add", g, &d); err != nil {
		return nil, err
	}
	if !d.SharingGroup.ID.Valid() {
		return nil, &Error{Kind: KindBadResponse, Op: "POST /sharing_groups/add", Host: c.base.Host, Status: 200, Message: "no sharing group in the answer"}
	}
	return &d, nil
}

// SharingGroup returns one group with its organisations and servers
// (GET /sharing_groups/view/{id}, recording 120).
func (c *Client) SharingGroup(ctx context.Context, id ID) (*SharingGroupDetails, error) {
	p, err := pathID("GET /sharing_groups/view", id)
	if err != nil {
		return nil, err
	}
	var d SharingGroupDetails
	if err := c.get(ctx, "/sharing_groups/view/"+p, &d); err != nil {
		// A group that does not exist (or was deleted) is a 405 that says
		// so (recording 183), not a 404.
		var e *Error
		if errors.As(err, &e) && e.Kind == KindMethodNotAllowed && strings.Contains(e.Message, "doesn't exist") {
			e.Kind = KindNotFound
		}
		return nil, err
	}
	if d.SharingGroup.ID != id {
		return nil, &Error{Kind: KindBadResponse, Op: "GET /sharing_groups/view", Host: c.base.Host, Status: 200, Message: "the answer is about another sharing group"}
	}
	return &d, nil
}

// SharingGroups lists the groups the caller can see
// (GET /sharing_groups/index, recording 121: {"response": [...]}).
func (c *Client) SharingGroups(ctx context.Context) ([]SharingGroupDetails, error) {
	var v struct {
		Response []SharingGroupDetails `json:"response"`
	}
	if err := c.get(ctx, "/sharing_groups/index", &v); err != nil {
		return nil, err
	}
	return v.Response, nil
}

// AddSharingGroupOrg adds an organisation to a group
// (POST /sharing_groups/addOrg/{sg}/{org}, recording 117). An organisation
// already in the group answers 403 "Organisation is already in the sharing
// group." (118): that is success here, with already true.
func (c *Client) AddSharingGroupOrg(ctx context.Context, sg, org ID) (already bool, err error) {
	return c.sharingGroupMember(ctx, "addOrg", sg, org, "already in the sharing group")
}

// AddSharingGroupServer adds a server entry to a group
// (POST /sharing_groups/addServer/{sg}/{server}, recording 119); one already
// in it answers like addOrg ("Server is already in the sharing group.").
func (c *Client) AddSharingGroupServer(ctx context.Context, sg, server ID) (already bool, err error) {
	return c.sharingGroupMember(ctx, "addServer", sg, server, "already in the sharing group")
}

// RemoveSharingGroupServer removes a server entry from a group
// (POST /sharing_groups/removeServer/{sg}/{server}). MISP 2.5.1 deletes the
// membership row whose id equals the SERVER id, so it usually answers 403
// "Server could not be removed from the sharing group." (recording 122);
// the error is returned as MISP gave it.
func (c *Client) RemoveSharingGroupServer(ctx context.Context, sg, server ID) error {
	_, err := c.sharingGroupMember(ctx, "removeServer", sg, server, "")
	return err
}

func (c *Client) sharingGroupMember(ctx context.Context, action string, sg, member ID, alreadyText string) (bool, error) {
	op := "POST /sharing_groups/" + action
	p1, err := pathID(op, sg)
	if err != nil {
		return false, err
	}
	p2, err := pathID(op, member)
	if err != nil {
		return false, err
	}
	var s Saved
	err = c.post(ctx, "/sharing_groups/"+action+"/"+p1+"/"+p2, nil, &s)
	if err == nil {
		return false, nil
	}
	if alreadyText != "" && IsKind(err, KindValidation) {
		if e, ok := err.(*Error); ok {
			for _, msgs := range e.Fields {
				for _, m := range msgs {
					if strings.Contains(m, alreadyText) {
						return true, nil
					}
				}
			}
		}
	}
	return false, err
}

// DeleteSharingGroup deletes a group (POST /sharing_groups/delete/{id},
// recording 123).
func (c *Client) DeleteSharingGroup(ctx context.Context, id ID) error {
	p, err := pathID("POST /sharing_groups/delete", id)
	if err != nil {
		return err
	}
	return c.post(ctx, "/sharing_groups/delete/"+p, nil, &Saved{})
}
