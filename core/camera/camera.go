// Package camera delivers pictures to read QR codes from: the webcam (V4L2
// on Linux), a virtual camera fed by any image (the demo and the tests),
// and the fallbacks that work everywhere — an image file, an image from
// the clipboard, pasted text. A Reader pulls frames from a source in its
// own goroutine, decodes them with core/qr and hands out texts and preview
// images without ever blocking the UI.
package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"
)

// PreviewWidth is the width in pixels of preview images; their height
// keeps the camera's aspect ratio.
const PreviewWidth = 320

// A Frame is one picture from a source: its luminance for decoding and,
// when asked for, a small colour preview. Sources fill a Frame in place and
// reuse its buffers, so a loop reading into the same Frame allocates nothing
// for the gray plane.
type Frame struct {
	Gray          []byte // luminance, Width×Height bytes, rows packed (the Y plane)
	Width, Height int
	// Preview is a PreviewWidth-wide RGBA image, mirrored left to right
	// like a mirror so that the person sees themselves naturally. Sources
	// fill it only when Read is called with preview set.
	Preview *image.RGBA
}

// A Source produces frames: a webcam, a virtual camera.
type Source interface {
	// Read waits for the next frame and writes it into f, reusing f's
	// buffers; with preview set it fills f.Preview too. It returns
	// ctx.Err() when ctx is done.
	Read(ctx context.Context, f *Frame, preview bool) error
	// Close releases the source. Read must not be running.
	Close() error
}

// A Device is a camera the user can choose; the UI remembers Path.
type Device struct {
	Path string // /dev/video0
	Name string // what the driver calls it: "Integrated Camera: Integrated C"
}

func (d Device) String() string {
	if d.Name == "" {
		return d.Path
	}
	return d.Name + " (" + d.Path + ")"
}

// ErrorKind says what went wrong with a camera, for the UI to choose what
// to offer (another camera, the fallbacks).
type ErrorKind int

const (
	// NoCamera: there is no camera, or not at the path asked for.
	NoCamera ErrorKind = iota + 1
	// Busy: another application has the camera (EBUSY).
	Busy
	// PermissionDenied: the user may not open the camera (EACCES).
	PermissionDenied
	// UnsupportedFormat: the camera offers neither YUYV nor MJPEG.
	UnsupportedFormat
	// NotACamera: the path is not a video capture device.
	NotACamera
	// UnsupportedOS: no webcam support on this operating system yet.
	UnsupportedOS
	// Failed: the camera stopped delivering frames.
	Failed
)

// Error is the error of every camera operation. Compare kinds with
// errors.Is(err, camera.ErrBusy) and friends, or errors.As for the details.
type Error struct {
	Kind   ErrorKind
	Device string // the device path, if any
	Err    error  // the system error, if any
}

// Sentinels for errors.Is; they carry only a Kind.
var (
	ErrNoCamera          = &Error{Kind: NoCamera}
	ErrBusy              = &Error{Kind: Busy}
	ErrPermissionDenied  = &Error{Kind: PermissionDenied}
	ErrUnsupportedFormat = &Error{Kind: UnsupportedFormat}
	ErrNotACamera        = &Error{Kind: NotACamera}
	ErrUnsupportedOS     = &Error{Kind: UnsupportedOS}
	ErrFailed            = &Error{Kind: Failed}
)

const fallbacks = "open an image of the partner's code or paste their code as text instead"

func (e *Error) Error() string {
	dev := "the camera"
	if e.Device != "" {
		dev = "the camera " + e.Device
	}
	switch e.Kind {
	case NoCamera:
		if e.Device != "" {
			return fmt.Sprintf("there is no camera at %s: plug it in or choose another one, or %s", e.Device, fallbacks)
		}
		return "no camera found: plug in a webcam, or " + fallbacks
	case Busy:
		return fmt.Sprintf("%s is busy: another application (a video call?) is using it; close that application and try again", dev)
	case PermissionDenied:
		return fmt.Sprintf("no permission to use %s: add your user to the video group (sudo usermod -aG video $USER), then log out and in again", dev)
	case UnsupportedFormat:
		return fmt.Sprintf("%s delivers neither YUYV nor MJPEG pictures, the formats MISPbump reads; choose another camera, or %s", dev, fallbacks)
	case NotACamera:
		return fmt.Sprintf("%s is not a video capture device; choose another camera", orPath(e.Device))
	case UnsupportedOS:
		return fmt.Sprintf("the webcam is not supported on %s yet; %s", runtime.GOOS, fallbacks)
	default:
		if e.Err != nil {
			return fmt.Sprintf("%s stopped delivering pictures (%v); check the cable and open it again, or %s", dev, e.Err, fallbacks)
		}
		return fmt.Sprintf("%s stopped delivering pictures; check the cable and open it again, or %s", dev, fallbacks)
	}
}

func orPath(p string) string {
	if p == "" {
		return "the device"
	}
	return p
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error of the same Kind, so errors.Is(err, ErrBusy) works.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Kind == e.Kind
}
