"""PSNR of the reference corruptions against the clean image, for
TestCorruptReferencePSNR (which compares ours with it in distribution).

Loads the corruption functions of hendrycks/robustness make_cifar_c.py and
make_imagenet_c.py as reference_bench.py does, corrupts chelsea32.png and
digit32.png (CIFAR table) and chelsea224.png (ImageNet table) with every
corruption at every severity for numpy seeds 0..SEEDS[size]-1, and writes the PSNR
of the mean squared error over the seeds, in dB, as JSON:

    /usr/bin/python3 reference_psnr.py DIR_WITH_THE_TWO_FILES /tmp/ci > reference_psnr.json
"""
import json
import os
import sys
import warnings

warnings.simplefilter('ignore')

import numpy as np
from PIL import Image

from reference_bench import NAMES, load

# numpy seeds per image size: enough that the mean squared error is
# within about a tenth of a dB of its expectation for the noises
SEEDS = {32: 64, 224: 8}


def main(srcdir, imgdir):
    out = {}
    for img_name, file in (('chelsea32', 'make_cifar_c.py'), ('digit32', 'make_cifar_c.py'),
                           ('chelsea224', 'make_imagenet_c.py')):
        ns = load(os.path.join(srcdir, file))
        img = Image.open(os.path.join(imgdir, img_name + '.png')).convert('RGB')
        clean = np.array(img, dtype=np.float64)
        seeds = SEEDS[img.size[0]]
        res = {}
        for name in NAMES:
            row = []
            for sev in range(1, 6):
                se = 0.0
                for seed in range(seeds):
                    np.random.seed(seed)
                    x = np.uint8(ns[name](img, sev)).astype(np.float64)
                    se += np.mean((x - clean) ** 2)
                mse = se / seeds
                row.append(round(10 * np.log10(255 ** 2 / mse), 2) if mse > 0 else 99.0)
            res[name] = row
            print(img_name, name, row, file=sys.stderr, flush=True)
        out[img_name] = res
    json.dump(out, sys.stdout, indent=1)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
