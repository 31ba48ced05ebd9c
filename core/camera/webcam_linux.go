//go:build linux

package camera

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/blackjack/webcam"
	"golang.org/x/sys/unix"
)

// V4L2 pixel formats we read (fourcc codes).
const (
	pixYUYV = webcam.PixelFormat('Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24)
	pixMJPG = webcam.PixelFormat('M' | 'J'<<8 | 'P'<<16 | 'G'<<24)
	pixJPEG = webcam.PixelFormat('J' | 'P'<<8 | 'E'<<16 | 'G'<<24)
)

// v4l2Capability mirrors struct v4l2_capability from linux/videodev2.h.
type v4l2Capability struct {
	Driver       [16]byte
	Card         [32]byte
	BusInfo      [32]byte
	Version      uint32
	Capabilities uint32
	DeviceCaps   uint32
	Reserved     [3]uint32
}

const (
	vidiocQueryCap     = 0x80685600 // _IOR('V', 0, struct v4l2_capability)
	capVideoCapture    = 0x00000001
	capStreaming       = 0x04000000
	capDeviceCapsValid = 0x80000000
)

// queryCapability asks the device at path what it is, without streaming.
func queryCapability(path string) (name string, capture bool, err error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", false, err
	}
	defer unix.Close(fd)
	var c v4l2Capability
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), vidiocQueryCap, uintptr(unsafe.Pointer(&c))); errno != 0 {
		return "", false, errno
	}
	caps := c.Capabilities
	if caps&capDeviceCapsValid != 0 {
		// The capabilities of this node, not of the whole device: a UVC
		// webcam also has a metadata-only node that cannot capture video.
		caps = c.DeviceCaps
	}
	name = strings.TrimRight(string(c.Card[:]), "\x00")
	return name, caps&capVideoCapture != 0 && caps&capStreaming != 0, nil
}

// Devices lists the cameras (video capture nodes under /dev/video*), by
// their number. Metadata-only nodes are left out. When there is none it
// returns an error of kind NoCamera, or PermissionDenied when there are
// devices the user may not open.
func Devices() ([]Device, error) {
	return devicesIn("/dev")
}

func devicesIn(dir string) ([]Device, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "video*"))
	sort.Slice(paths, func(i, j int) bool { return videoNumber(paths[i]) < videoNumber(paths[j]) })
	var devices []Device
	var denied string
	for _, p := range paths {
		name, capture, err := queryCapability(p)
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			denied = p
			continue
		}
		if err != nil || !capture {
			continue
		}
		devices = append(devices, Device{Path: p, Name: name})
	}
	if len(devices) == 0 {
		if denied != "" {
			return nil, &Error{Kind: PermissionDenied, Device: denied}
		}
		return nil, &Error{Kind: NoCamera}
	}
	return devices, nil
}

func videoNumber(path string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(path), "video"))
	if err != nil {
		return 1 << 30
	}
	return n
}

// openError turns a system error from opening or starting the device at
// path into an *Error of the right kind.
func openError(path string, err error) error {
	var kind ErrorKind
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
		kind = NoCamera
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		kind = PermissionDenied
	case errors.Is(err, unix.EBUSY), strings.Contains(err.Error(), unix.EBUSY.Error()):
		kind = Busy
	case errors.Is(err, unix.ENOTTY), errors.Is(err, unix.EINVAL), strings.Contains(err.Error(), "Not a video capture device"),
		strings.Contains(err.Error(), "does not support the streaming"):
		kind = NotACamera
	default:
		kind = Failed
	}
	return &Error{Kind: kind, Device: path, Err: err}
}

// Webcam is an open V4L2 camera streaming YUYV or MJPEG frames.
type Webcam struct {
	cam           *webcam.Webcam
	device        Device
	format        webcam.PixelFormat
	width, height int
	jpegBuf       []byte // the last MJPEG frame, copied out of the driver's buffer
	badFrames     int
}

// maxBadFrames is how many broken frames in a row we skip before saying
// the camera failed.
const maxBadFrames = 30

// Open opens the camera at path (as listed by Devices) and starts it
// streaming. It picks MJPEG at 1280×720 when offered (30 fps on most
// webcams), else YUYV at 1280×720, else the largest size up to 1280×720 in
// either format.
func Open(path string) (*Webcam, error) {
	name, capture, err := queryCapability(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if !capture {
		return nil, &Error{Kind: NotACamera, Device: path}
	}
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	w := &Webcam{cam: cam, device: Device{Path: path, Name: name}}
	if err := w.start(); err != nil {
		cam.Close()
		return nil, err
	}
	return w, nil
}

type formatChoice struct {
	format        webcam.PixelFormat
	width, height int
}

// chooseFormat picks a format and size from what the camera offers.
func chooseFormat(offered map[webcam.PixelFormat][]webcam.FrameSize) (formatChoice, bool) {
	offers := func(sizes []webcam.FrameSize, w, h uint32) bool {
		for _, s := range sizes {
			if s.StepWidth == 0 && s.StepHeight == 0 {
				if s.MaxWidth == w && s.MaxHeight == h {
					return true
				}
				continue
			}
			if w >= s.MinWidth && w <= s.MaxWidth && h >= s.MinHeight && h <= s.MaxHeight &&
				(s.StepWidth == 0 || (w-s.MinWidth)%s.StepWidth == 0) &&
				(s.StepHeight == 0 || (h-s.MinHeight)%s.StepHeight == 0) {
				return true
			}
		}
		return false
	}
	mjpeg := pixMJPG
	if _, ok := offered[pixMJPG]; !ok {
		mjpeg = pixJPEG
	}
	for _, f := range []webcam.PixelFormat{mjpeg, pixYUYV} {
		if offers(offered[f], 1280, 720) {
			return formatChoice{f, 1280, 720}, true
		}
	}
	var best formatChoice
	for _, f := range []webcam.PixelFormat{pixYUYV, mjpeg} {
		for _, s := range offered[f] {
			w, h := int(s.MaxWidth), int(s.MaxHeight)
			if w > 1280 || h > 720 {
				w, h = int(s.MinWidth), int(s.MinHeight)
				if w > 1280 || h > 720 {
					continue
				}
			}
			if w*h > best.width*best.height {
				best = formatChoice{f, w, h}
			}
		}
	}
	return best, best.width > 0
}

func (w *Webcam) start() error {
	offered := map[webcam.PixelFormat][]webcam.FrameSize{}
	for f := range w.cam.GetSupportedFormats() {
		if f == pixYUYV || f == pixMJPG || f == pixJPEG {
			offered[f] = w.cam.GetSupportedFrameSizes(f)
		}
	}
	choice, ok := chooseFormat(offered)
	if !ok {
		return &Error{Kind: UnsupportedFormat, Device: w.device.Path}
	}
	format, _, _, err := w.cam.SetImageFormat(choice.format, uint32(choice.width), uint32(choice.height))
	if err != nil {
		return openError(w.device.Path, err)
	}
	if format != pixYUYV && format != pixMJPG && format != pixJPEG {
		return &Error{Kind: UnsupportedFormat, Device: w.device.Path}
	}
	w.format, w.width, w.height = format, choice.width, choice.height
	// Few buffers: we want the newest frame, not a queue of old ones.
	if err := w.cam.SetBufferCount(4); err != nil {
		return openError(w.device.Path, err)
	}
	if err := w.cam.StartStreaming(); err != nil {
		return openError(w.device.Path, err)
	}
	return nil
}

// Device is the camera's path and name, for the UI to remember the choice.
func (w *Webcam) Device() Device { return w.device }

// Format is the negotiated pixel format ("YUYV" or "MJPEG") and size.
func (w *Webcam) Format() (format string, width, height int) {
	return w.formatName(), w.width, w.height
}

func (w *Webcam) formatName() string {
	if w.format == pixYUYV {
		return "YUYV"
	}
	return "MJPEG"
}

// Read waits for the next frame and converts it: the Y plane into f.Gray
// and, with preview set, a mirrored colour preview into f.Preview. The
// driver's buffer goes back to the camera as soon as its bytes are copied.
func (w *Webcam) Read(ctx context.Context, f *Frame, preview bool) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := w.cam.WaitForFrame(100) // milliseconds; then look at ctx again
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return &Error{Kind: Failed, Device: w.device.Path, Err: err}
		}
		data, index, err := w.cam.GetFrame()
		if errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil {
			return &Error{Kind: Failed, Device: w.device.Path, Err: err}
		}
		var ok bool
		if w.format == pixYUYV {
			ok = w.convertYUYV(data, f, preview)
		} else {
			// Copy the compressed bytes out, give the buffer back to the
			// driver at once, then decode from our copy.
			w.jpegBuf = append(w.jpegBuf[:0], data...)
		}
		if err := w.cam.ReleaseFrame(index); err != nil {
			return &Error{Kind: Failed, Device: w.device.Path, Err: err}
		}
		if w.format != pixYUYV {
			ok = w.convertMJPEG(f, preview)
		}
		if ok {
			w.badFrames = 0
			return nil
		}
		w.badFrames++
		if w.badFrames > maxBadFrames {
			return &Error{Kind: Failed, Device: w.device.Path, Err: fmt.Errorf("%d frames in a row were broken or not of the %s %d×%d format agreed on", maxBadFrames+1, w.formatName(), w.width, w.height)}
		}
	}
}

// convertYUYV turns one driver buffer into f; false means the frame was
// broken (shorter than the negotiated size) and is skipped.
func (w *Webcam) convertYUYV(data []byte, f *Frame, preview bool) bool {
	n := w.width * w.height
	if len(data) != 2*n {
		// webcam.SetImageFormat does not tell us when the driver chose
		// another size; a frame of the wrong length is the symptom.
		return false
	}
	if cap(f.Gray) < n {
		f.Gray = make([]byte, n)
	}
	f.Gray = f.Gray[:n]
	if YUYVToGray(f.Gray, data, w.width, w.height) != nil {
		return false
	}
	f.Width, f.Height = w.width, w.height
	if preview {
		f.Preview = ensurePreview(f.Preview, w.width, w.height)
		yuyvPreview(f.Preview, data, w.width, w.height)
	}
	return true
}

// convertMJPEG decodes the copied MJPEG frame into f; false means the
// frame was corrupt and is skipped.
func (w *Webcam) convertMJPEG(f *Frame, preview bool) bool {
	gray, img, width, height, err := MJPEGToGray(f.Gray, w.jpegBuf)
	if err != nil {
		return false
	}
	f.Gray, f.Width, f.Height = gray, width, height
	if preview {
		f.Preview = ensurePreview(f.Preview, width, height)
		imagePreview(f.Preview, img)
	}
	return true
}

// Close stops streaming and closes the device.
func (w *Webcam) Close() error {
	if w.cam == nil {
		return nil
	}
	err := w.cam.Close()
	w.cam = nil
	return err
}

var _ Source = (*Webcam)(nil)
