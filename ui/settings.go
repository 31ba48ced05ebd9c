package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/store"
)

// prefTheme caches the theme choice in Fyne's preferences, so the passphrase
// screen, shown before the store is open, already has the chosen look.
const prefTheme = "theme"

// Choices of Settings, in words, with the store's values; the first of each
// list is the brief's default.
var (
	serverPolicies = []choice{
		{store.ExistingServerUpdateKey, "Update its key only"},
		{store.ExistingServerCreateNew, "Create a new server entry"},
	}
	nameClashPolicies = []choice{
		{store.NameClashSuffixUUID, "Create it as \"Name (first 8 of UUID)\""},
		{store.NameClashStop, "Stop, so I can sort it out in MISP"},
	}
)

// choice is one option of a Select: the stored value and what people read.
type choice struct{ value, label string }

func choiceLabels(cs []choice) []string {
	labels := make([]string, len(cs))
	for i, c := range cs {
		labels[i] = c.label
	}
	return labels
}

func choiceLabel(cs []choice, value string) string {
	for _, c := range cs {
		if c.value == value {
			return c.label
		}
	}
	return cs[0].label
}

func choiceValue(cs []choice, label string) string {
	for _, c := range cs {
		if c.label == label {
			return c.value
		}
	}
	return cs[0].value
}

type settingsTab struct {
	shell *shell
}

func newSettingsTab(s *shell) *settingsTab { return &settingsTab{shell: s} }

// tabItem is the Settings tab, empty until the shell builds its content on
// first show (showMain).
func (t *settingsTab) tabItem() *container.TabItem {
	return &container.TabItem{Text: "Settings", Icon: theme.SettingsIcon(), Content: container.NewStack()}
}

func (t *settingsTab) content() fyne.CanvasObject {
	a := t.shell.app
	v := t.shell.vault
	prefs := v.Snapshot().Preferences
	save := t.save

	themeChoice := &widget.RadioGroup{Options: themeChoices, Horizontal: true, Required: true, Selected: themeFromStore(prefs.Theme)}
	themeChoice.OnChanged = func(choice string) {
		applyTheme(a, choice)
		a.Preferences().SetString(prefTheme, choice)
		save(func(p *store.Preferences) { p.Theme = themeToStore(choice) })
	}

	cameras := &widget.Select{PlaceHolder: "No camera found"}
	cameraNote := &widget.Label{Wrapping: fyne.TextWrapWord}
	t.fillCameras(cameras, cameraNote, prefs.CameraDevice)
	mirror := &widget.Check{Text: "Mirror the camera preview", Checked: prefs.MirrorPreview,
		OnChanged: func(on bool) { save(func(p *store.Preferences) { p.MirrorPreview = on }) }}

	d := prefs.Prepare
	pull := &widget.Check{Text: "Pull: fetch the partner's events", Checked: d.Pull,
		OnChanged: func(on bool) { save(func(p *store.Preferences) { p.Prepare.Pull = on }) }}
	push := &widget.Check{Text: "Push: send our events to the partner", Checked: d.Push,
		OnChanged: func(on bool) { save(func(p *store.Preferences) { p.Prepare.Push = on }) }}
	publish := &widget.Check{Text: "Publish pulled events without e-mailing every user", Checked: d.PublishWithoutEmail,
		OnChanged: func(on bool) { save(func(p *store.Preferences) { p.Prepare.PublishWithoutEmail = on }) }}
	serverPolicy := &widget.Select{Options: choiceLabels(serverPolicies), Selected: choiceLabel(serverPolicies, d.ExistingServer),
		OnChanged: func(s string) {
			save(func(p *store.Preferences) { p.Prepare.ExistingServer = choiceValue(serverPolicies, s) })
		}}
	clashPolicy := &widget.Select{Options: choiceLabels(nameClashPolicies), Selected: choiceLabel(nameClashPolicies, d.NameClash),
		OnChanged: func(s string) {
			save(func(p *store.Preferences) { p.Prepare.NameClash = choiceValue(nameClashPolicies, s) })
		}}

	flows, sharingGroup := flowsDefaults(d, save, push)

	dataDir := &widget.Label{Text: v.Location(), Wrapping: fyne.TextWrapBreak, Selectable: true}
	change := &widget.Button{Text: "Change passphrase…", Icon: theme.AccountIcon(),
		OnTapped: func() { showChangePassphrase(t.shell.window, v, t.shell.background) }}

	return container.NewScroll(container.NewVBox(
		&widget.Card{Title: "Appearance", Content: &widget.Form{Items: []*widget.FormItem{
			{Text: "Theme", Widget: themeChoice},
		}}},
		&widget.Card{Title: "Camera", Content: &widget.Form{Items: []*widget.FormItem{
			{Text: "Webcam", Widget: container.NewVBox(cameras, cameraNote)},
			{Text: "Preview", Widget: mirror},
		}}},
		&widget.Card{Title: "Pairing defaults", Subtitle: "What the Prepare step of a new pairing starts with",
			Content: &widget.Form{Items: []*widget.FormItem{
				{Text: "Sync", Widget: container.NewVBox(pull, push, publish)},
				{Text: "Existing server entry", Widget: serverPolicy, HintText: "when our MISP already has a server entry for this partner"},
				{Text: "Organisation name taken", Widget: clashPolicy, HintText: "when another organisation on our MISP has the partner's name"},
				{Text: "What flows", Widget: flows, HintText: "custom rules are edited in Prepare; its last choice is kept here"},
				{Text: "Sharing group", Widget: sharingGroup},
			}}},
		&widget.Card{Title: "Security and data", Content: &widget.Form{Items: []*widget.FormItem{
			{Text: "Passphrase", Widget: container.NewHBox(change)},
			{Text: "Store file", Widget: dataDir},
		}}},
	))
}

// save records one change; a failed save is shown, the store keeps the old value.
func (t *settingsTab) save(change func(*store.Preferences)) {
	t.shell.save(func(d *store.Data) error { change(&d.Preferences); return nil }, nil)
}

// fillCameras lists the webcams off the UI goroutine (probing devices can
// take a moment) and fills the choice when done.
func (t *settingsTab) fillCameras(sel *widget.Select, note *widget.Label, saved string) {
	t.shell.background(func() {
		devices, err := listCameras()
		fyne.Do(func() {
			switch {
			case err != nil:
				note.SetText(err.Error())
			case len(devices) == 0:
				note.SetText("No webcam was found. You can still pair by exchanging codes as text or image files.")
			}
			sel.Options = choiceLabels(devices)
			if len(devices) > 0 {
				sel.Selected = choiceLabel(devices, saved)
			}
			sel.OnChanged = func(label string) {
				t.save(func(p *store.Preferences) { p.CameraDevice = choiceValue(devices, label) })
			}
			sel.Refresh()
		})
	})
}

func themeFromStore(s string) string {
	switch s {
	case "light":
		return themeLight
	case "dark":
		return themeDark
	}
	return themeSystem
}

func themeToStore(choice string) string {
	switch choice {
	case themeLight:
		return "light"
	case themeDark:
		return "dark"
	}
	return ""
}
