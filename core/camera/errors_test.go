package camera

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorsSayWhatToDo(t *testing.T) {
	for _, c := range []struct {
		err  *Error
		want []string
	}{
		{&Error{Kind: NoCamera}, []string{"no camera found", "paste"}},
		{&Error{Kind: Busy, Device: "/dev/video0"}, []string{"/dev/video0", "busy", "another application"}},
		{&Error{Kind: PermissionDenied, Device: "/dev/video0"}, []string{"permission", "video group", "log out and in"}},
		{&Error{Kind: UnsupportedFormat, Device: "/dev/video2"}, []string{"YUYV", "MJPEG", "another camera"}},
		{&Error{Kind: UnsupportedOS}, []string{"not supported", "image", "paste"}},
		{&Error{Kind: Failed, Device: "/dev/video0", Err: errors.New("EIO")}, []string{"stopped", "cable"}},
	} {
		msg := c.err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("kind %d: %q does not say %q", c.err.Kind, msg, w)
			}
		}
	}
}

func TestErrorsMatchByKind(t *testing.T) {
	err := fmt.Errorf("opening: %w", &Error{Kind: Busy, Device: "/dev/video0"})
	if !errors.Is(err, ErrBusy) {
		t.Error("a wrapped busy error does not match ErrBusy")
	}
	if errors.Is(err, ErrPermissionDenied) {
		t.Error("a busy error matches ErrPermissionDenied")
	}
	var camErr *Error
	if !errors.As(err, &camErr) || camErr.Device != "/dev/video0" {
		t.Error("errors.As does not find the device")
	}
}
