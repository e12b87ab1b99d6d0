"""Speed of the reference corruptions, for docs/corruptions.md.

Loads the corruption functions of hendrycks/robustness
ImageNet-C/create_c/make_imagenet_c.py and make_cifar_c.py (the text between
their "Distortion Helpers" and "End Distortions" markers, run as they are)
and times each at severity 3 on one image of the matching size, on one
core, as images per second of wall time and of the process's CPU time (the
figure to trust on a shared machine):

    /usr/bin/python3 reference_bench.py DIR_WITH_THE_TWO_FILES /tmp/ci

/tmp/ci holds chelsea32.png and chelsea224.png (written by
`go test ./augment -run TestCorruptReference -corrupt-inputs /tmp/ci`).
"""
import os
import sys
import time
import warnings

os.environ.setdefault('OMP_NUM_THREADS', '1')
warnings.simplefilter('ignore')

import numpy as np
from PIL import Image

NAMES = ['gaussian_noise', 'shot_noise', 'impulse_noise', 'defocus_blur', 'glass_blur', 'motion_blur',
         'zoom_blur', 'snow', 'fog', 'brightness', 'contrast', 'elastic_transform', 'pixelate',
         'jpeg_compression']


def load(path):
    src = open(path).read()
    a = src.index('# /////////////// Distortion Helpers')
    b = src.index('# /////////////// End Distortions')
    ns = {'np': np}
    exec(src[a:b], ns)
    return ns


def main(srcdir, imgdir):
    for size, file in ((32, 'make_cifar_c.py'), (224, 'make_imagenet_c.py')):
        ns = load(os.path.join(srcdir, file))
        img = Image.open(os.path.join(imgdir, f'chelsea{size}.png')).convert('RGB')
        for name in NAMES:
            f = ns[name]
            np.random.seed(0)
            f(img, 3)  # warm up
            n, t0, c0 = 0, time.perf_counter(), time.process_time()
            while True:
                np.uint8(f(img, 3))
                n += 1
                dt, dc = time.perf_counter() - t0, time.process_time() - c0
                if dc > 1.5 or dt > 30 or n >= 2000:
                    break
            print(f'{size:4d} px {name:18s} {n / dt:10.1f} images/s {n / dc:10.1f} img/cpu-s ({n} in {dt:.2f} s)',
                  flush=True)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
