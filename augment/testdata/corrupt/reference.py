"""Reference outputs of the deterministic corruptions for augment's tests.

The functions below are copied from hendrycks/robustness
ImageNet-C/create_c/make_imagenet_c.py (224 px) and make_cifar_c.py (32 px)
with their parameter tables side by side; only the table lookup is new.
Run with Debian 12's python3 (numpy 1.24.2, scipy 1.10.1, scikit-image
0.19.3, Pillow 9.4.0, OpenCV 4.6.0):

    go test ./augment -run TestCorruptReference -corrupt-inputs /tmp/ci
    /usr/bin/python3 augment/testdata/corrupt/reference.py /tmp/ci augment/testdata/corrupt

It also writes warp_affine.png, elastic_transform's cv2.warpAffine step on
chelsea32 for the fixed map of TestWarpAffineReference, jpeg_qualities.png, Pillow's JPEG round trip of the two
32 px images at qualities 5, 10, ..., 100, and motion_blur.png: ImageMagick's motion blur (through Wand,
as the reference calls it) at four fixed angles, one 32x32 column each.
It reads chelsea32.png, digit32.png and chelsea224.png from the first
folder and writes NAME.png to the second: rows severities 1..5, columns
chelsea32, digit32, the top-left 32x32 of chelsea224's result and the
32x32 at (96, 96) of it, each the reference's np.uint8(result).
"""
import sys
from io import BytesIO

import ctypes

import cv2
import numpy as np
import skimage as sk
from PIL import Image
from scipy.ndimage import zoom as scizoom
from wand.api import library as wandlibrary
from wand.image import Image as WandImage

wandlibrary.MagickMotionBlurImage.argtypes = (ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_double)


class MotionImage(WandImage):
    def motion_blur(self, radius=0.0, sigma=0.0, angle=0.0):
        wandlibrary.MagickMotionBlurImage(self.wand, radius, sigma, angle)


def motion_blur_at(x, radius, sigma, angle):
    """The reference's motion_blur with its random angle given."""
    output = BytesIO()
    x.save(output, format='PNG')
    x = MotionImage(blob=output.getvalue())
    x.motion_blur(radius=radius, sigma=sigma, angle=angle)
    x = cv2.imdecode(np.frombuffer(x.make_blob(), np.uint8), cv2.IMREAD_UNCHANGED)
    if x.ndim == 3:
        return np.clip(x[..., [2, 1, 0]], 0, 255)
    return np.clip(np.array([x, x, x]).transpose((1, 2, 0)), 0, 255)


def disk(radius, alias_blur=0.1, dtype=np.float32):
    if radius <= 8:
        L = np.arange(-8, 8 + 1)
        ksize = (3, 3)
    else:
        L = np.arange(-radius, radius + 1)
        ksize = (5, 5)
    X, Y = np.meshgrid(L, L)
    aliased_disk = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=dtype)
    aliased_disk /= np.sum(aliased_disk)
    return cv2.GaussianBlur(aliased_disk, ksize=ksize, sigmaX=alias_blur)


def clipped_zoom(img, zoom_factor):
    h = img.shape[0]
    ch = int(np.ceil(h / zoom_factor))
    top = (h - ch) // 2
    img = scizoom(img[top:top + ch, top:top + ch], (zoom_factor, zoom_factor, 1), order=1)
    trim_top = (img.shape[0] - h) // 2
    return img[trim_top:trim_top + h, trim_top:trim_top + h]


def table(size, imagenet, cifar):
    return imagenet if size == 224 else cifar


def defocus_blur(x, severity, size):
    c = table(size, [(3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)],
              [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)])[severity - 1]
    x = np.array(x) / 255.
    kernel = disk(radius=c[0], alias_blur=c[1])
    channels = []
    for d in range(3):
        channels.append(cv2.filter2D(x[:, :, d], -1, kernel))
    channels = np.array(channels).transpose((1, 2, 0))
    return np.clip(channels, 0, 1) * 255


def zoom_blur(x, severity, size):
    c = table(size, [np.arange(1, 1.11, 0.01), np.arange(1, 1.16, 0.01), np.arange(1, 1.21, 0.02),
                     np.arange(1, 1.26, 0.02), np.arange(1, 1.31, 0.03)],
              [np.arange(1, 1.06, 0.01), np.arange(1, 1.11, 0.01), np.arange(1, 1.16, 0.01),
               np.arange(1, 1.21, 0.01), np.arange(1, 1.26, 0.01)])[severity - 1]
    x = (np.array(x) / 255.).astype(np.float32)
    out = np.zeros_like(x)
    for zoom_factor in c:
        out += clipped_zoom(x, zoom_factor)
    x = (x + out) / (len(c) + 1)
    return np.clip(x, 0, 1) * 255


def contrast(x, severity, size):
    c = table(size, [0.4, .3, .2, .1, .05], [.75, .5, .4, .3, 0.15])[severity - 1]
    x = np.array(x) / 255.
    means = np.mean(x, axis=(0, 1), keepdims=True)
    return np.clip((x - means) * c + means, 0, 1) * 255


def brightness(x, severity, size):
    c = table(size, [.1, .2, .3, .4, .5], [.05, .1, .15, .2, .3])[severity - 1]
    x = np.array(x) / 255.
    x = sk.color.rgb2hsv(x)
    x[:, :, 2] = np.clip(x[:, :, 2] + c, 0, 1)
    x = sk.color.hsv2rgb(x)
    return np.clip(x, 0, 1) * 255


def jpeg_compression(x, severity, size):
    c = table(size, [25, 18, 15, 10, 7], [80, 65, 58, 50, 40])[severity - 1]
    output = BytesIO()
    x.save(output, 'JPEG', quality=c)
    return Image.open(output)


def pixelate(x, severity, size):
    c = table(size, [0.6, 0.5, 0.4, 0.3, 0.25], [0.95, 0.9, 0.85, 0.75, 0.65])[severity - 1]
    x = x.resize((int(size * c), int(size * c)), Image.BOX)
    return x.resize((size, size), Image.BOX)


def main(inputs, out):
    imgs = [Image.open(f'{inputs}/{n}.png').convert('RGB') for n in ('chelsea32', 'digit32', 'chelsea224')]
    for f in (brightness, contrast, pixelate, jpeg_compression, defocus_blur, zoom_blur):
        grid = np.zeros((5 * 32, 4 * 32, 3), np.uint8)
        for s in range(1, 6):
            a = np.uint8(f(imgs[0], s, 32))
            b = np.uint8(f(imgs[1], s, 32))
            c = np.uint8(f(imgs[2], s, 224))
            row = np.concatenate([a, b, c[:32, :32], c[96:128, 96:128]], axis=1)
            grid[(s - 1) * 32:s * 32] = row
        Image.fromarray(grid).save(f'{out}/{f.__name__}.png')
    # Pillow's JPEG round trip at qualities 5, 10, ..., 100 (TestJPEGQualities):
    # rows chelsea32, digit32
    rows = []
    for im in imgs[:2]:
        cells = []
        for q in range(5, 101, 5):
            b = BytesIO()
            im.save(b, 'JPEG', quality=q)
            cells.append(np.array(Image.open(b).convert('RGB')))
        rows.append(np.concatenate(cells, axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).save(f'{out}/jpeg_qualities.png')
    # elastic_transform's affine step with a fixed map (TestWarpAffineReference)
    x = np.array(imgs[0], dtype=np.float32) / 255.
    pts1 = np.float32([[26, 26], [26, 6], [6, 6]])
    pts2 = np.float32([[27.3, 24.9], [25.1, 7.7], [4.2, 5.5]])
    M = cv2.getAffineTransform(pts1, pts2)
    x = cv2.warpAffine(x, M, (32, 32), borderMode=cv2.BORDER_REFLECT_101)
    Image.fromarray(np.uint8(np.clip(x, 0, 1) * 255)).save(f'{out}/warp_affine.png')
    # motion blur at fixed angles (MOTION_CASES in corrupt_ref_test.go)
    a = motion_blur_at(imgs[0], 6, 1.5, -20)
    b = motion_blur_at(imgs[1], 9, 2.5, 40)
    c = motion_blur_at(imgs[2], 15, 5, 30)[96:128, 96:128]
    d = motion_blur_at(imgs[2], 20, 15, -45)[:32, :32]
    Image.fromarray(np.uint8(np.concatenate([a, b, c, d], axis=1))).save(f'{out}/motion_blur.png')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
