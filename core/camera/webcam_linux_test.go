//go:build linux

package camera

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blackjack/webcam"
	"golang.org/x/sys/unix"
)

func TestOpenMissingDevice(t *testing.T) {
	_, err := Open("/dev/video-mispbump-test-none")
	if !errors.Is(err, ErrNoCamera) {
		t.Fatalf("got %v, want a no-camera error", err)
	}
	if !strings.Contains(err.Error(), "/dev/video-mispbump-test-none") {
		t.Errorf("the error does not name the device: %v", err)
	}
}

func TestOpenRegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "video0")
	if err := os.WriteFile(path, []byte("not a camera"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if !errors.Is(err, ErrNotACamera) {
		t.Fatalf("got %v, want a not-a-camera error", err)
	}
}

func TestOpenCharacterDeviceThatIsNoCamera(t *testing.T) {
	_, err := Open("/dev/null")
	if !errors.Is(err, ErrNotACamera) {
		t.Fatalf("got %v, want a not-a-camera error", err)
	}
}

func TestOpenWithoutPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may open any file")
	}
	path := filepath.Join(t.TempDir(), "video0")
	if err := os.WriteFile(path, nil, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("got %v, want a permission error", err)
	}
}

func TestDevicesSkipsWhatIsNoCamera(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"video0", "video1", "video10"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	devices, err := devicesIn(dir)
	if !errors.Is(err, ErrNoCamera) || devices != nil {
		t.Fatalf("got %v, %v; want no camera", devices, err)
	}
	devices, err = devicesIn(filepath.Join(dir, "absent"))
	if !errors.Is(err, ErrNoCamera) || devices != nil {
		t.Fatalf("empty directory: got %v, %v; want no camera", devices, err)
	}
}

func TestOpenErrorKinds(t *testing.T) {
	for _, c := range []struct {
		err  error
		want *Error
	}{
		{unix.ENOENT, ErrNoCamera},
		{unix.ENODEV, ErrNoCamera},
		{unix.EACCES, ErrPermissionDenied},
		{unix.EBUSY, ErrBusy},
		{fmt.Errorf("set format: %w", unix.EBUSY), ErrBusy},
		// webcam.StartStreaming flattens the errno into a string.
		{errors.New("Failed to map request buffers: " + unix.EBUSY.Error()), ErrBusy},
		{unix.ENOTTY, ErrNotACamera},
		{errors.New("Not a video capture device"), ErrNotACamera},
		{unix.EIO, ErrFailed},
	} {
		got := openError("/dev/video0", c.err)
		if !errors.Is(got, c.want) {
			t.Errorf("%v: got %v, want kind %d", c.err, got, c.want.Kind)
		}
	}
}

func TestChooseFormat(t *testing.T) {
	discrete := func(sizes ...[2]uint32) []webcam.FrameSize {
		var out []webcam.FrameSize
		for _, s := range sizes {
			out = append(out, webcam.FrameSize{MinWidth: s[0], MaxWidth: s[0], MinHeight: s[1], MaxHeight: s[1]})
		}
		return out
	}
	for _, c := range []struct {
		name    string
		offered map[webcam.PixelFormat][]webcam.FrameSize
		want    formatChoice
		ok      bool
	}{
		{"MJPEG 720p preferred", map[webcam.PixelFormat][]webcam.FrameSize{
			pixYUYV: discrete([2]uint32{640, 480}, [2]uint32{1280, 720}),
			pixMJPG: discrete([2]uint32{1920, 1080}, [2]uint32{1280, 720}),
		}, formatChoice{pixMJPG, 1280, 720}, true},
		{"YUYV 720p when MJPEG lacks it", map[webcam.PixelFormat][]webcam.FrameSize{
			pixYUYV: discrete([2]uint32{1280, 720}),
			pixMJPG: discrete([2]uint32{640, 480}),
		}, formatChoice{pixYUYV, 1280, 720}, true},
		{"largest below 720p", map[webcam.PixelFormat][]webcam.FrameSize{
			pixYUYV: discrete([2]uint32{320, 240}, [2]uint32{640, 480}, [2]uint32{1920, 1080}),
		}, formatChoice{pixYUYV, 640, 480}, true},
		{"stepwise range with 720p", map[webcam.PixelFormat][]webcam.FrameSize{
			pixYUYV: {{MinWidth: 160, MaxWidth: 1920, StepWidth: 16, MinHeight: 120, MaxHeight: 1080, StepHeight: 8}},
		}, formatChoice{pixYUYV, 1280, 720}, true},
		{"JPEG fourcc", map[webcam.PixelFormat][]webcam.FrameSize{
			pixJPEG: discrete([2]uint32{1280, 720}),
		}, formatChoice{pixJPEG, 1280, 720}, true},
		{"nothing usable", map[webcam.PixelFormat][]webcam.FrameSize{}, formatChoice{}, false},
	} {
		got, ok := chooseFormat(c.offered)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: got %+v %v, want %+v %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestWebcamConvertsDriverBuffers(t *testing.T) {
	yuyv, want := syntheticYUYV(64, 48)
	w := &Webcam{format: pixYUYV, width: 64, height: 48}
	var f Frame
	if !w.convertYUYV(yuyv, &f, true) {
		t.Fatal("a good YUYV frame was refused")
	}
	if f.Width != 64 || f.Height != 48 || string(f.Gray) != string(want) || f.Preview == nil {
		t.Fatalf("frame %d×%d, preview %v", f.Width, f.Height, f.Preview != nil)
	}
	if w.convertYUYV(yuyv[:len(yuyv)-2], &f, false) || w.convertYUYV(append(yuyv, 0, 0), &f, false) {
		t.Error("a YUYV frame of the wrong length was accepted")
	}

	data, _ := syntheticJPEG(t, 160, 96)
	m := &Webcam{format: pixMJPG, width: 160, height: 96, jpegBuf: stripHuffmanTables(t, data)}
	if !m.convertMJPEG(&f, true) || f.Width != 160 || f.Height != 96 {
		t.Fatalf("MJPEG frame without Huffman tables: %d×%d", f.Width, f.Height)
	}
	m.jpegBuf = data[:40]
	if m.convertMJPEG(&f, false) {
		t.Error("a truncated MJPEG frame was accepted")
	}
}
