package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// prefActiveProfile is where Fyne's preferences held the profile used last
// before the store did (store.Preferences.ActiveProfileID); read once, to
// carry it over.
const prefActiveProfile = "activeProfile"

// profilesTab is the MISP tab: the saved MISP profiles (say an internal and a
// DMZ instance), the login form of the selected one, and what the login found.
type profilesTab struct {
	shell *shell
	// column scrolls the login form and the summary; it is laid out again
	// whenever the message under the form changes length (see say).
	column *container.Scroll

	list     *widget.List
	profiles []store.Profile
	selected string // id of the profile in the form; "" for a new one

	name, url *escEntry
	authkey   *escEntry
	remember  *widget.Check
	login     *widget.Button
	remove    *widget.Button
	notify    *widget.Button
	message   *widget.Label
	info      *widget.Form

	// cancelLogin shows while a login runs; it cancels the login's
	// requests (a server that accepts and never answers would otherwise
	// hold the form until the client's timeout).
	cancelLogin *widget.Button
	loginCancel context.CancelFunc
	infoCard    *widget.Card

	// sessions are the logged-in MISPs by profile id; only touched on the UI goroutine.
	sessions map[string]*mispSession
	active   string
	// trusted are certificates the admin chose to trust, by normalised
	// address, until a login to that address succeeds and saves the pin
	// with its profile (nothing is saved before MISP accepted the key).
	trusted map[string]store.PinnedCertificate
}

// mispSession is a logged-in MISP: the client and what the login found.
type mispSession struct {
	client *misp.Client
	login  *misp.LoginInfo
	// ownKey is our instance's PGP signing key, read just after the login;
	// nil with ownKeyErr saying why (*protected.NoKeyError: GnuPG is not
	// set up), or both nil while it is being read.
	ownKey    *protected.Key
	ownKeyErr error
}

func newProfilesTab(s *shell) *profilesTab {
	t := &profilesTab{shell: s, sessions: map[string]*mispSession{}}
	t.active = s.vault.Snapshot().Preferences.ActiveProfileID
	if t.active == "" {
		t.adoptActiveProfilePreference()
	}

	t.name = newEscEntry(false, "A name for this MISP, e.g. Internal or DMZ")
	t.url = newEscEntry(false, "https://misp.example.org")
	t.authkey = newEscEntry(true, "Site-admin authkey")
	t.remember = &widget.Check{Text: "Remember the authkey (encrypted in the store); otherwise ask at every login", Checked: true}
	t.login = &widget.Button{Text: "Log in", Icon: theme.LoginIcon(), Importance: widget.HighImportance, OnTapped: t.onLogin}
	t.remove = &widget.Button{Text: "Delete profile…", Icon: theme.DeleteIcon(), OnTapped: t.onDelete}
	t.cancelLogin = &widget.Button{Text: "Cancel", Icon: theme.CancelIcon(), OnTapped: t.onCancelLogin}
	t.cancelLogin.Hide()
	t.notify = &widget.Button{Text: "How we want to be notified…", Icon: theme.MailComposeIcon(), OnTapped: t.onNotifications}
	t.message = &widget.Label{Wrapping: fyne.TextWrapWord}
	t.info = &widget.Form{}
	// Hidden until the selected profile is logged in: an empty "Logged in
	// as" card read as if a login had found nothing.
	t.infoCard = &widget.Card{Subtitle: "Logged in as", Content: t.info}
	t.infoCard.Hide()
	for _, e := range []*escEntry{t.name, t.url, t.authkey} {
		e.OnSubmitted = func(string) { t.onLogin() }
	}

	t.list = &widget.List{
		Length: func() int { return len(t.profiles) },
		CreateItem: func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, &widget.Icon{}, nil, container.NewVBox(
				&widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
				&widget.Label{SizeName: theme.SizeNameCaptionText, Truncation: fyne.TextTruncateEllipsis}))
		},
		UpdateItem: func(id widget.ListItemID, o fyne.CanvasObject) {
			p := t.profiles[id]
			row := o.(*fyne.Container)
			text := row.Objects[0].(*fyne.Container)
			text.Objects[0].(*widget.Label).SetText(p.Name)
			text.Objects[1].(*widget.Label).SetText(p.URL)
			icon := row.Objects[1].(*widget.Icon)
			switch {
			case t.sessions[p.ID] != nil && p.ID == t.active:
				icon.SetResource(theme.NewSuccessThemedResource(theme.RadioButtonCheckedIcon()))
			case t.sessions[p.ID] != nil:
				icon.SetResource(theme.NewSuccessThemedResource(theme.RadioButtonIcon()))
			default:
				icon.SetResource(theme.NewColoredResource(theme.RadioButtonIcon(), theme.ColorNameDisabled))
			}
		},
		OnSelected: func(id widget.ListItemID) { t.edit(t.profiles[id].ID) },
	}
	t.reload()
	if profileName(t.profiles, t.active) == "" && len(t.profiles) > 0 {
		t.active = t.profiles[0].ID // none chosen yet, or from another data folder
	}
	for i, p := range t.profiles {
		if p.ID == t.active {
			t.list.Select(i) // shows it chosen in the list; OnSelected fills the form
		}
	}
	if t.selected != t.active {
		t.edit(t.active)
	}
	if s.partners != nil {
		s.partners.reload() // its unfinished pairings are the active profile's
	}
	return t
}

func (t *profilesTab) tabItem() *container.TabItem {
	add := &widget.Button{Text: "New profile", Icon: theme.ContentAddIcon(), OnTapped: func() { t.list.UnselectAll(); t.edit("") }}
	// The demo needs no MISP: two simulators pair in two windows.
	demo := &widget.Button{Text: "Try the demo", Icon: theme.MediaPlayIcon(), OnTapped: func() { startDemo(t.shell.app, t.shell.window) }}
	left := container.NewBorder(nil, container.NewGridWithColumns(2, add, demo), nil, nil, t.list)

	form := &widget.Form{Items: []*widget.FormItem{
		{Text: "Name", Widget: t.name},
		{Text: "MISP URL", Widget: t.url},
		{Text: "Authkey", Widget: t.authkey, HintText: "a site admin's key, not read-only"},
		{Text: "", Widget: t.remember},
	}}
	t.column = container.NewVScroll(container.NewVBox(
		&widget.Card{Title: "Log in to your MISP", Content: container.NewVBox(form, container.NewHBox(t.login, t.cancelLogin, t.remove, t.notify), t.message)},
		t.infoCard,
	))
	split := container.NewHSplit(left, t.column)
	split.Offset = 0.3
	return &container.TabItem{Text: "MISP", Icon: theme.StorageIcon(), Content: split}
}

func (t *profilesTab) reload() {
	t.profiles = t.shell.vault.Snapshot().Profiles
	t.list.Refresh()
}

// edit fills the form with a saved profile, or empties it for a new one.
func (t *profilesTab) edit(id string) {
	t.selected = ""
	t.name.SetText("")
	t.url.SetText("")
	t.authkey.SetText("")
	t.authkey.PlaceHolder = "Site-admin authkey"
	t.remember.SetChecked(true)
	t.say(widget.MediumImportance, "")
	t.remove.Disable()
	t.notify.Disable()
	for _, p := range t.profiles {
		if p.ID != id {
			continue
		}
		t.selected = id
		t.name.SetText(p.Name)
		t.url.SetText(p.URL)
		if p.HasAuthkey() {
			// The stored key is never put back on screen: leaving the field
			// empty uses it, typing replaces it.
			t.authkey.PlaceHolder = "Stored — leave empty to use it, or type a new key"
		}
		t.remember.SetChecked(p.HasAuthkey())
		t.remove.Enable()
		t.notify.Enable()
	}
	t.authkey.Refresh()
	t.showInfo()
}

// onLogin saves the profile and logs in off the UI goroutine.
func (t *profilesTab) onLogin() {
	name := strings.TrimSpace(t.name.Text)
	rawURL := strings.TrimSpace(t.url.Text)
	key := strings.TrimSpace(t.authkey.Text)
	if _, err := misp.ParseBaseURL(rawURL); err != nil {
		t.fail(err.Error())
		return
	}
	if name == "" {
		name = hostOf(rawURL)
	}
	var stored *store.Profile
	for i := range t.profiles {
		if t.profiles[i].ID == t.selected {
			stored = &t.profiles[i]
		}
	}
	// A stored key goes only to the origin it was stored for (core/session).
	plan, err := session.PlanLogin(stored, rawURL, key)
	if err != nil {
		t.fail(sentence(err.Error()))
		return
	}
	var trusted *store.PinnedCertificate
	if c, ok := t.trusted[misp.NormalizeURL(rawURL)]; ok {
		trusted = &c
		plan.Pin = c.SHA256
	}
	key = plan.Key

	id := t.selected
	if stored == nil {
		id = store.NewID()
	}
	t.selected = id
	remember := t.remember.Checked
	t.authkey.SetText("")
	t.login.Disable()
	t.say(widget.MediumImportance, "Logging in to "+hostOf(rawURL)+"…")
	ctx, cancel := context.WithCancel(context.Background())
	t.loginCancel = cancel
	t.cancelLogin.Show()

	v := t.shell.vault
	t.shell.background(func() {
		client, info, err := loginToMISP(ctx, rawURL, key, plan.Pin)
		var recordErr error
		forgotten := false
		sess := &mispSession{client: client, login: info}
		if err == nil {
			// Only now, MISP having accepted the key, is the profile saved
			// (re-encrypting the store takes a moment: not on the UI
			// goroutine).
			recordErr = v.Update(func(d *store.Data) error {
				session.RecordLogin(d, id, session.LoginRecord{Name: name, URL: rawURL, Key: key, Remember: remember,
					Certificate: trusted, Login: info, At: time.Now()})
				return nil
			})
		} else if plan.FromStore && session.KeyRefused(err) {
			// A key MISP refused is not kept.
			_ = v.Update(func(d *store.Data) error {
				forgotten = session.ForgetRefusedKey(d, id, key)
				return nil
			})
		}
		fyne.Do(func() {
			cancel()
			t.cancelLogin.Hide()
			t.login.Enable()
			t.reload()
			if err != nil {
				t.onLoginFailed(id, rawURL, key, err)
				if forgotten {
					t.fail(sentence(err.Error()) + " The stored authkey is no longer kept: enter a valid one.")
				}
				return
			}
			if recordErr == nil {
				delete(t.trusted, misp.NormalizeURL(rawURL))
			}
			t.onLoggedIn(id, sess)
			if recordErr != nil {
				t.fail("Logged in, but the login could not be recorded: " + recordErr.Error())
			}
		})
		if err != nil {
			return
		}
		// Then, with the login already on screen: our instance key, and the
		// keys an aborted pairing left.
		own, ownErr, revoked, revokeErr := afterLogin(context.Background(), client, v, id)
		fyne.Do(func() {
			sess.ownKey, sess.ownKeyErr = own, ownErr
			if t.sessions[id] != sess {
				return // logged in again or deleted meanwhile
			}
			if note := abandonedKeysNote(revoked, revokeErr); note != "" && strings.HasPrefix(t.message.Text, "Logged in.") {
				t.say(t.message.Importance, t.message.Text+" "+note)
			}
			if t.selected == id {
				t.showInfo()
			}
			if t.shell.partners != nil {
				t.shell.partners.reload() // the open partner's keys card shows ours
			}
		})
	})
}

// onCancelLogin (the Cancel button while "Logging in…" shows) cancels the
// login's request; the login then ends as failed, "canceled".
func (t *profilesTab) onCancelLogin() {
	if t.loginCancel != nil {
		t.loginCancel()
	}
}

// abandonedKeysNote says what happened to the keys an aborted pairing left
// on our MISP, or "" when there were none.
func abandonedKeysNote(revoked []string, err error) string {
	switch {
	case err != nil:
		return "Keys left by an aborted pairing could not be revoked yet (" + err.Error() + "); the next login tries again."
	case len(revoked) == 1:
		return "Revoked key #" + revoked[0] + ", left on this MISP by an aborted pairing."
	case len(revoked) > 1:
		return "Revoked keys #" + strings.Join(revoked, ", #") + ", left on this MISP by an aborted pairing."
	}
	return ""
}

func (t *profilesTab) onLoggedIn(id string, sess *mispSession) {
	t.sessions[id] = sess
	t.active = id
	t.list.Refresh()
	if t.shell.partners != nil {
		t.shell.partners.reload()
	}
	// A plain-http MISP on another machine is said right under the form,
	// where the admin looks after pressing Log in: the keys cross the
	// network unencrypted.
	if warn := misp.PlainHTTPWarning(sess.client.BaseURL()); warn != "" {
		t.say(widget.WarningImportance, "Logged in. "+warn)
	} else {
		t.say(widget.SuccessImportance, "Logged in.")
	}
	if t.selected == id {
		t.showInfo()
	}
	t.shell.refreshStatus()
}

// onLoginFailed says what went wrong; for a certificate this computer does
// not trust it offers to pin it after showing what it is.
func (t *profilesTab) onLoginFailed(id, rawURL, key string, err error) {
	var me *misp.Error
	if errors.As(err, &me) && me.Kind == misp.KindTLS && me.CertSHA256 != "" {
		t.fail("The MISP's certificate is not trusted by this computer. Check it and choose whether to trust it.")
		t.offerTrust(rawURL, key)
		return
	}
	if errors.As(err, &me) && me.Kind == misp.KindCanceled {
		t.say(widget.MediumImportance, "Login to "+hostOf(rawURL)+" canceled.")
		return
	}
	t.fail(err.Error())
}

func (t *profilesTab) offerTrust(rawURL, key string) {
	w := t.shell.window
	t.shell.background(func() {
		cert, err := misp.FetchCertificate(context.Background(), rawURL, misp.Options{})
		fyne.Do(func() {
			if err != nil {
				t.fail(err.Error())
				return
			}
			showTrustCertificate(w, hostOf(rawURL), cert, func() {
				// Pinned with the profile once the login succeeds.
				if t.trusted == nil {
					t.trusted = map[string]store.PinnedCertificate{}
				}
				t.trusted[misp.NormalizeURL(rawURL)] = store.PinnedCertificate{SHA256: cert.SHA256, PEM: string(cert.AnchorPEM())}
				t.authkey.SetText(key)
				t.onLogin()
			})
		})
	})
}

// showTrustCertificate shows the certificate a MISP presented and pins it
// only when the admin says so.
func showTrustCertificate(w fyne.Window, host string, cert *misp.CertificateInfo, onTrust func()) {
	kind := "signed by an authority this computer does not know"
	if cert.SelfSigned() {
		kind = "self-signed"
	}
	fingerprint := &widget.Label{Text: misp.FormatFingerprint(cert.SHA256), TextStyle: fyne.TextStyle{Monospace: true},
		Wrapping: fyne.TextWrapBreak, Selectable: true}
	content := container.NewVBox(
		&widget.Label{Text: "The MISP at " + host + " presents a certificate that is " + kind + ". " +
			"Trust it only if its fingerprint matches the one its admin reads to you (on the MISP server: " +
			"openssl x509 -noout -fingerprint -sha256 -in the certificate).", Wrapping: fyne.TextWrapWord},
		fieldForm(
			"Subject", cert.Subject,
			"Issuer", cert.Issuer,
			"Names", strings.Join(cert.DNSNames, ", "),
			"Valid until", cert.NotAfter.Local().Format("2 Jan 2006"),
		),
		&widget.Label{Text: "SHA-256 fingerprint", TextStyle: fyne.TextStyle{Bold: true}},
		fingerprint,
	)
	d := dialog.NewCustomConfirm("Trust this certificate?", "Trust this certificate", "Cancel", content, func(ok bool) {
		if ok {
			onTrust()
		}
	}, w)
	d.Resize(fyne.NewSize(600, 0))
	showWithEscape(d, w)
}

// onNotifications edits how our organisation wants to be notified (IntelMQ
// IEP005) for the profile in the form; every partner paired from it later
// receives these settings in our INFO.
func (t *profilesTab) onNotifications() {
	id := t.selected
	d := t.shell.vault.Snapshot()
	p, ok := d.Profile(id)
	if !ok {
		t.fail("Log in once to save this profile, then set how you want to be notified.")
		return
	}
	showNotificationsEditor(t.shell.window, p.Notifications, func(n *pairing.NotificationSettings) error {
		// The save re-encrypts the store off the UI goroutine; a failure
		// is shown in a dialog.
		t.shell.save(func(d *store.Data) error {
			p, ok := d.Profile(id)
			if !ok {
				return errors.New("the profile was deleted meanwhile; the notification settings were not saved")
			}
			p.Notifications = n
			return nil
		}, func(err error) {
			if err != nil {
				dialog.ShowError(err, t.shell.window)
				return
			}
			t.reload()
		})
		return nil
	})
}

func (t *profilesTab) onDelete() {
	id := t.selected
	name := t.name.Text
	w := t.shell.window
	d := dialog.NewConfirm("Delete profile", "Delete the profile "+name+" and its stored authkey from this app? "+
		"Nothing changes on the MISP, and its partners stay in the list.", func(ok bool) {
		if !ok {
			return
		}
		t.shell.save(func(d *store.Data) error {
			for i := range d.Profiles {
				if d.Profiles[i].ID == id {
					d.Profiles = append(d.Profiles[:i], d.Profiles[i+1:]...)
					break
				}
			}
			if d.Preferences.ActiveProfileID == id {
				d.Preferences.ActiveProfileID = ""
			}
			return nil
		}, func(err error) {
			if err != nil {
				dialog.ShowError(err, w)
				return
			}
			delete(t.sessions, id)
			if t.active == id {
				t.active = ""
			}
			t.reload()
			t.list.UnselectAll()
			t.edit("")
			t.shell.refreshStatus()
		})
	}, w)
	showWithEscape(d, w)
}

func (t *profilesTab) fail(msg string) { t.say(widget.DangerImportance, msg) }

// say puts msg under the login form. A wrapped message may take more lines
// than the one before, so the column is laid out again: without that a long
// error or warning is cut off after two lines.
func (t *profilesTab) say(imp widget.Importance, msg string) {
	var column fyne.CanvasObject
	if t.column != nil {
		column = t.column
	}
	setMessage(t.message, imp, msg, column)
}

// showInfo fills "Logged in as" with what the login of the selected profile found.
func (t *profilesTab) showInfo() {
	t.info.Items = nil
	s := t.sessions[t.selected]
	if s == nil {
		t.infoCard.Hide()
		t.info.Refresh()
		return
	}
	t.infoCard.Show()
	l := s.login
	expiry := "does not expire"
	if !l.KeyExpiry.IsZero() {
		expiry = l.KeyExpiry.Local().Format("2 Jan 2006 15:04")
		if time.Until(l.KeyExpiry) < 14*24*time.Hour {
			expiry += " — soon: ask for a new key"
		}
	}
	yourOrg := ""
	if l.Org.UUID != l.HostOrg.UUID {
		yourOrg = l.Org.Name + " (" + l.Org.UUID + ")"
	}
	for _, it := range fieldForm(
		"User", l.User.Email,
		"Host organisation", l.HostOrg.Name,
		"Organisation UUID", l.HostOrg.UUID,
		"Your organisation", yourOrg,
		"Instance UUID", l.InstanceUUID,
		"MISP version", l.Version,
		"Announced URL", l.AnnounceURL,
		"Key expires", expiry,
	).Items {
		t.info.AppendItem(it)
	}
	key, imp := ownKeyText(s.ownKey, s.ownKeyErr)
	t.info.Append("Instance signing key", &widget.Label{Text: key, Importance: imp, Wrapping: fyne.TextWrapWord, Selectable: true,
		TextStyle: fyne.TextStyle{Monospace: s.ownKey != nil}})
	t.info.Refresh()
}

// ownKeyText says which PGP key our instance signs protected events with,
// or in words why there is none.
func ownKeyText(k *protected.Key, err error) (string, widget.Importance) {
	if k != nil {
		return protected.FormatFingerprint(k.Fingerprint), widget.MediumImportance
	}
	var none *protected.NoKeyError
	if errors.As(err, &none) {
		return sentence(err.Error()), widget.WarningImportance
	}
	if err != nil {
		return "Could not be read: " + err.Error(), widget.WarningImportance
	}
	return "being read from /gpg.asc…", widget.LowImportance
}

// adoptActiveProfilePreference carries the profile used last over from
// Fyne's preferences, where versions before store.Preferences.ActiveProfileID
// kept it, into the store, then forgets it there so it is read only once.
func (t *profilesTab) adoptActiveProfilePreference() {
	prefs := t.shell.app.Preferences()
	id := prefs.String(prefActiveProfile)
	if id == "" {
		return
	}
	t.active = id
	t.shell.save(func(d *store.Data) error {
		if d.Preferences.ActiveProfileID == "" {
			d.Preferences.ActiveProfileID = id
		}
		return nil
	}, func(err error) {
		if err == nil {
			prefs.RemoveValue(prefActiveProfile)
		}
	})
}

// ownKeyFor gives our instance's PGP signing key as read at the login of a
// profile (for the wizard's session.Config and the relay dialog); nil with
// the reason when the MISP has none, or an error when not logged in.
func (t *profilesTab) ownKeyFor(profileID string) (*protected.Key, error) {
	s, err := t.sessionFor(profileID)
	if err != nil {
		return nil, err
	}
	return s.ownKey, s.ownKeyErr
}

// activeNeedsLogin says whether the MISP tab should come first at start.
func (t *profilesTab) activeNeedsLogin() bool {
	for _, p := range t.profiles {
		if p.ID == t.active {
			return !p.HasAuthkey()
		}
	}
	return true
}

// autoLogin logs in to the active profile at start when its key is stored.
func (t *profilesTab) autoLogin() {
	if t.active != "" && t.selected == t.active && !t.activeNeedsLogin() {
		t.onLogin()
	}
}

// clientFor gives the logged-in client of a profile, or says to log in first.
func (t *profilesTab) clientFor(profileID string) (*misp.Client, error) {
	s, err := t.sessionFor(profileID)
	if err != nil {
		return nil, err
	}
	return s.client, nil
}

// activeSession gives the active profile's id and login, for starting a
// pairing (Ctrl+N), or says to log in first.
func (t *profilesTab) activeSession() (string, *mispSession, error) {
	if t.active == "" {
		return "", nil, errors.New("log in to your MISP first, on the MISP tab")
	}
	s, err := t.sessionFor(t.active)
	return t.active, s, err
}

// sessionFor gives the login of a profile, or says to log in first.
func (t *profilesTab) sessionFor(profileID string) (*mispSession, error) {
	if s := t.sessions[profileID]; s != nil {
		return s, nil
	}
	name := "the MISP this partner was paired on"
	for _, p := range t.profiles {
		if p.ID == profileID {
			name = p.Name + " (" + p.URL + ")"
		}
	}
	return nil, fmt.Errorf("log in to %s first, on the MISP tab", name)
}

// statusText is the line above the tabs.
func (t *profilesTab) statusText() string {
	s := t.sessions[t.active]
	if s == nil {
		return "Not logged in to a MISP: log in on the MISP tab to pair or test connections."
	}
	l := s.login
	return fmt.Sprintf("%s — %s on %s (MISP %s)", profileName(t.profiles, t.active), l.HostOrg.Name, hostOf(s.client.BaseURL()), l.Version)
}

func profileName(ps []store.Profile, id string) string {
	for _, p := range ps {
		if p.ID == id {
			return p.Name
		}
	}
	return ""
}

func hostOf(rawURL string) string {
	u, err := misp.ParseBaseURL(rawURL)
	if err != nil {
		return rawURL
	}
	return u.Host
}
