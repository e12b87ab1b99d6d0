//go:build turbojpeg && cgo

package jpegturbo

/*
#cgo LDFLAGS: -ljpeg
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <jpeglib.h>

#define JT_STR2(x) #x
#define JT_STR(x) JT_STR2(x)
static const char *jt_version(void) {
#ifdef LIBJPEG_TURBO_VERSION
	return "libjpeg-turbo " JT_STR(LIBJPEG_TURBO_VERSION);
#else
	return "libjpeg " JT_STR(JPEG_LIB_VERSION);
#endif
}

// An error manager that returns to the caller instead of exiting.
struct errmgr {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

static void on_error(j_common_ptr c) {
	struct errmgr *e = (struct errmgr *)c->err;
	(*c->err->format_message)(c, e->msg);
	longjmp(e->jump, 1);
}

static void on_message(j_common_ptr c) {}

// jt_header reads the size and components of a JPEG (0 on success).
static int jt_header(unsigned char *in, unsigned long n, int *w, int *h, char *msg) {
	struct jpeg_decompress_struct c;
	struct errmgr e;
	c.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = on_error;
	e.pub.output_message = on_message;
	if (setjmp(e.jump)) {
		snprintf(msg, JMSG_LENGTH_MAX, "%s", e.msg);
		jpeg_destroy_decompress(&c);
		return 1;
	}
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, in, n);
	jpeg_read_header(&c, TRUE);
	*w = c.image_width;
	*h = c.image_height;
	jpeg_destroy_decompress(&c);
	return 0;
}

// jt_decode decodes to RGBA (opaque) rows of stride 4*w (0 on success).
static int jt_decode(unsigned char *in, unsigned long n, unsigned char *out, int w, int h, char *msg) {
	struct jpeg_decompress_struct c;
	struct errmgr e;
	c.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = on_error;
	e.pub.output_message = on_message;
	if (setjmp(e.jump)) {
		snprintf(msg, JMSG_LENGTH_MAX, "%s", e.msg);
		jpeg_destroy_decompress(&c);
		return 1;
	}
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, in, n);
	jpeg_read_header(&c, TRUE);
	c.out_color_space = JCS_EXT_RGBA;
	c.do_fancy_upsampling = FALSE; // replicate chroma as image/jpeg does
	jpeg_start_decompress(&c);
	if ((int)c.output_width != w || (int)c.output_height != h) {
		snprintf(msg, JMSG_LENGTH_MAX, "size changed between header and decode");
		jpeg_destroy_decompress(&c);
		return 1;
	}
	while (c.output_scanline < c.output_height) {
		JSAMPROW row = out + (size_t)c.output_scanline * 4 * w;
		jpeg_read_scanlines(&c, &row, 1);
	}
	jpeg_finish_decompress(&c);
	jpeg_destroy_decompress(&c);
	return 0;
}

// jt_encode encodes rows of comps (1: grey, 4: RGBX) bytes per pixel.
static int jt_encode(unsigned char *pix, int stride, int w, int h, int comps, int q, unsigned char **out, unsigned long *n, char *msg) {
	struct jpeg_compress_struct c;
	struct errmgr e;
	c.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = on_error;
	e.pub.output_message = on_message;
	*out = NULL;
	*n = 0;
	if (setjmp(e.jump)) {
		snprintf(msg, JMSG_LENGTH_MAX, "%s", e.msg);
		jpeg_destroy_compress(&c);
		return 1;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, out, n);
	c.image_width = w;
	c.image_height = h;
	c.input_components = comps;
	c.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_EXT_RGBX;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, q, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = pix + (size_t)c.next_scanline * stride;
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	return 0;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"unsafe"
)

// Available reports whether libjpeg-turbo is in this build.
func Available() bool { return true }

// Version names the library and version linked, e.g. "libjpeg-turbo
// 2.1.5": datasets record it, as another version may write other bytes.
func Version() string { return C.GoString(C.jt_version()) }

// maxPixels bounds a decoded image (as the pipeline's decodeImage does).
const maxPixels = 1 << 28

// Decode decodes a JPEG into opaque RGBA. Chroma is replicated, not
// interpolated, as image/jpeg does, so that pixels stay close to
// image/jpeg's (docs/decisions/jpeg.md).
func Decode(data []byte) (*image.RGBA, error) {
	if len(data) == 0 {
		return nil, errors.New("jpegturbo: empty input")
	}
	var msg [C.JMSG_LENGTH_MAX]C.char
	var w, h C.int
	in := (*C.uchar)(unsafe.Pointer(&data[0]))
	if C.jt_header(in, C.ulong(len(data)), &w, &h, &msg[0]) != 0 {
		return nil, fmt.Errorf("jpegturbo: header: %s", C.GoString(&msg[0]))
	}
	if w <= 0 || h <= 0 || int64(w)*int64(h) > maxPixels {
		return nil, fmt.Errorf("jpegturbo: image of %d×%d pixels", w, h)
	}
	m := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
	if C.jt_decode(in, C.ulong(len(data)), (*C.uchar)(unsafe.Pointer(&m.Pix[0])), w, h, &msg[0]) != 0 {
		return nil, fmt.Errorf("jpegturbo: %s", C.GoString(&msg[0]))
	}
	return m, nil
}

// Encode writes m as a baseline JPEG (4:2:0 for colour, as image/jpeg) at
// quality 1..100. *image.Gray is written as greyscale; other images are
// first converted to RGBA (their alpha is ignored).
func Encode(w io.Writer, m image.Image, quality int) error {
	if quality < 1 || quality > 100 {
		return fmt.Errorf("jpegturbo: quality %d: want 1..100", quality)
	}
	b := m.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return fmt.Errorf("jpegturbo: empty image %v", b)
	}
	var pix []byte
	var stride, comps int
	switch im := m.(type) {
	case *image.Gray:
		pix, stride, comps = im.Pix[im.PixOffset(b.Min.X, b.Min.Y):], im.Stride, 1
	case *image.RGBA:
		pix, stride, comps = im.Pix[im.PixOffset(b.Min.X, b.Min.Y):], im.Stride, 4
	default:
		rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, m, b.Min, draw.Src)
		pix, stride, comps = rgba.Pix, rgba.Stride, 4
	}
	var msg [C.JMSG_LENGTH_MAX]C.char
	var out *C.uchar
	var n C.ulong
	rc := C.jt_encode((*C.uchar)(unsafe.Pointer(&pix[0])), C.int(stride), C.int(b.Dx()), C.int(b.Dy()), C.int(comps), C.int(quality), &out, &n, &msg[0])
	if out != nil {
		defer C.free(unsafe.Pointer(out))
	}
	if rc != 0 {
		return fmt.Errorf("jpegturbo: %s", C.GoString(&msg[0]))
	}
	_, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(out)), int(n)))
	return err
}
