//go:build !linux

package camera

import "context"

// Devices reports that the webcam is not supported on this operating
// system yet; the fallbacks (image file, clipboard, pasted text) work.
func Devices() ([]Device, error) {
	return nil, &Error{Kind: UnsupportedOS}
}

// Webcam is a camera; on this operating system it cannot be opened yet.
type Webcam struct{}

// Open reports that the webcam is not supported on this operating system
// yet; use the fallbacks (image file, clipboard, pasted text).
func Open(path string) (*Webcam, error) {
	return nil, &Error{Kind: UnsupportedOS, Device: path}
}

// Device is empty: no webcam can be open here.
func (w *Webcam) Device() Device { return Device{} }

// Format is empty: no webcam can be open here.
func (w *Webcam) Format() (format string, width, height int) { return "", 0, 0 }

// Read reports that the webcam is not supported on this operating system.
func (w *Webcam) Read(ctx context.Context, f *Frame, preview bool) error {
	return &Error{Kind: UnsupportedOS}
}

// Close does nothing.
func (w *Webcam) Close() error { return nil }

var _ Source = (*Webcam)(nil)
