package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// rulesCard is the partner's "What flows": both directions in words, the
// sharing group, and "Edit our rules…", which reads our entry's rules from
// our MISP and edits them with the same editor as Prepare (servers/edit).
func (d *partnerDetails) rulesCard() fyne.CanvasObject {
	p := d.partner
	group := ""
	if g := p.OnOurMISP.SharingGroup; g.ID != "" {
		group = p.OnOurMISP.SharingGroupName + " (" + objectText(g, "") + ")"
	}
	flows := flowsCard(p.OurFlows, p.PartnerFlows, group)
	d.rulesResult = &widget.Label{Wrapping: fyne.TextWrapWord}
	d.rulesButton = &widget.Button{Text: "Edit our rules…", Icon: theme.DocumentCreateIcon(), OnTapped: d.onEditRules}
	if p.OnOurMISP.Server.ID == "" {
		d.rulesButton.Disable()
		d.rulesResult.SetText("Our MISP has no server entry to this partner, so there are no rules to edit.")
	}
	flows.Content = container.NewVBox(flows.Content, container.NewHBox(d.rulesButton), d.rulesResult)
	return flows
}

// onEditRules reads our entry's rules off the UI goroutine, then opens the
// editor in a dialog.
func (d *partnerDetails) onEditRules() {
	client, err := d.shell.profiles.clientFor(d.partner.ProfileID)
	if err != nil {
		dialog.ShowError(err, d.shell.window)
		return
	}
	d.rulesButton.Disable()
	setMessage(d.rulesResult, widget.MediumImportance, "Reading our server entry's rules…", d.column)
	id := d.partner.ID
	d.shell.background(func() {
		rules, push, pull, err := session.PartnerEntryRules(context.Background(), client, d.shell.vault.store, id)
		fyne.Do(func() {
			d.rulesButton.Enable()
			if err != nil {
				setMessage(d.rulesResult, widget.DangerImportance, sentence(err.Error()), d.column)
				return
			}
			setMessage(d.rulesResult, widget.MediumImportance, "", d.column)
			editor := newRulesEditor(client, rules, d.shell.background, fyne.Do)
			editor.load(context.Background())
			note := explain("Our server entry does: " + syncText(push, pull) + ". Saving sets MISP's push_rules and pull_rules on it (servers/edit); the partner is not told.")
			content := container.NewVBox(note, editor.content(true))
			dlg := dialog.NewCustomConfirm("What flows to and from "+d.partner.Org.Name, "Save", "Cancel",
				container.NewVScroll(content), func(save bool) {
					if save {
						d.saveRules(editor)
					}
				}, d.shell.window)
			dlg.Resize(fyne.NewSize(720, 560))
			dlg.Show()
		})
	})
}

func (d *partnerDetails) saveRules(editor *rulesEditor) {
	rules, err := editor.rules()
	if err != nil {
		setMessage(d.rulesResult, widget.DangerImportance, sentence(err.Error()), d.column)
		return
	}
	client, err := d.shell.profiles.clientFor(d.partner.ProfileID)
	if err != nil {
		setMessage(d.rulesResult, widget.DangerImportance, sentence(err.Error()), d.column)
		return
	}
	d.rulesButton.Disable()
	setMessage(d.rulesResult, widget.MediumImportance, "Saving the rules on our server entry…", d.column)
	id := d.partner.ID
	d.shell.background(func() {
		notes, err := session.EditPartnerRules(context.Background(), client, d.shell.vault.store, id, rules)
		fyne.Do(func() {
			d.rulesButton.Enable()
			if err != nil {
				setMessage(d.rulesResult, widget.DangerImportance, sentence(err.Error()), d.column)
				return
			}
			msg := "Saved on our server entry."
			if len(notes) > 0 {
				msg += " " + strings.Join(notes, " ")
			}
			setMessage(d.rulesResult, widget.SuccessImportance, msg, d.column)
			d.shell.partners.reload()
		})
	})
}

// sharingGroupPlan says what removing the partner does with its bilateral
// sharing group: kept unless the admin asks (and the app made it).
func sharingGroupPlan(p store.Partner, deleteGroup bool) []string {
	g := p.OnOurMISP.SharingGroup
	switch {
	case g.ID == "":
		return nil
	case deleteGroup && g.Outcome == store.Created:
		return []string{"• delete sharing group #" + g.ID + " (" + p.OnOurMISP.SharingGroupName + "), which this app created"}
	default:
		return []string{"• keep sharing group #" + g.ID + " (" + p.OnOurMISP.SharingGroupName + "): events shared in it stay where they are"}
	}
}

// removeAll removes the partner, first deleting its sharing group when
// asked (the record that names the group goes with the removal).
func (d *partnerDetails) removeAll(deleteUser, deleteGroup bool) {
	g := d.partner.OnOurMISP.SharingGroup
	if !deleteGroup || g.ID == "" || g.Outcome != store.Created {
		d.remove(deleteUser)
		return
	}
	client, err := d.shell.profiles.clientFor(d.partner.ProfileID)
	if err != nil {
		dialog.ShowError(err, d.shell.window)
		return
	}
	id := d.partner.ID
	d.shell.background(func() {
		err := session.RemoveSharingGroup(context.Background(), client, d.shell.vault.store, id)
		fyne.Do(func() {
			if err != nil {
				dialog.ShowError(fmt.Errorf("the sharing group was not deleted, so the partner was not removed: %w", err), d.shell.window)
				return
			}
			d.remove(deleteUser)
		})
	})
}
