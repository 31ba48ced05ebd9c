// Package pairing is the MISPbump pairing protocol: frames, crypto and the
// per-side state machine. It is pure (no I/O, no clock of its own, no Fyne);
// docs/PROTOCOL.md describes the wire format byte by byte and the key schedule,
// and testdata/pairing holds vectors that this code reproduces.
//
// Both laptops run the same code. A session engine drives one Side:
//
//	side, err := pairing.New(pairing.Options{})  // Rand, Now, Remote are for tests and remote mode
//	for each QR text the camera decodes (or each pasted chat text):
//	    up, err := side.Receive(text)   // typed *Error on rejection, reported once per input
//	    switch up.Event { case EventKeysReady: show side.SAS(); ... }
//	show side.Display()                 // the QR texts to keep cycling now; ChatText/ChatTexts for copy
//	side.Confirm(ourInfo) or side.Reject()  // after the admin compared the SAS
//	on EventPartnerInfo (and after Confirm): MISP steps, then side.SendCreds(creds)
//	on EventPartnerCreds: server entry and test, then side.SendDone(done)
//	side.Tick(time.Now()) every few seconds: ends an idle session (sealed ABORT(timeout))
//	side.Abort(reason, msg) to cancel; side.Restart() after EventPartnerRestarted
//
// Inspect classifies a scanned string without a session (mispbump scan).
// Every rejected input yields an *Error whose Kind says which rule it broke
// and whose message a person understands; compare with errors.Is against
// ErrNotMISPbump, ErrOtherPairing, ErrTampered, ErrOwnCode, ErrMultipleCodes, …
//
// The ephemeral private key never leaves a Side: there is no accessor, no
// serialisation, and String/GoString print only the state.
package pairing
