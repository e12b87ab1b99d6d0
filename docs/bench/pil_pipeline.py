#!/usr/bin/env python3
"""A single-threaded PIL loop doing the work of `supcon augment --format jpeg`
per image: decode, per view a random resized crop (scale 0.08-1, ratio 3/4-4/3,
bilinear) + horizontal flip + two random PIL ops (an AutoAugment sub-policy applies
two), JPEG encode at the given quality. It prints CPU ms per image (process time).
Used for the comparison in docs/performance.md ("The pipeline's cost per image");
torchvision is not needed (its AutoAugment calls the same PIL ops).

usage: pil_pipeline.py DIR VIEWS [SIZE [QUALITY]]
"""
import io, math, os, random, sys, time
from PIL import Image, ImageEnhance, ImageOps

OPS = [
    lambda im, m: ImageOps.equalize(im),
    lambda im, m: ImageOps.autocontrast(im),
    lambda im, m: ImageOps.posterize(im, 8 - int(m * 4)),
    lambda im, m: ImageOps.solarize(im, 256 - int(m * 256)),
    lambda im, m: ImageEnhance.Color(im).enhance(1 + m * 0.9),
    lambda im, m: ImageEnhance.Contrast(im).enhance(1 + m * 0.9),
    lambda im, m: ImageEnhance.Sharpness(im).enhance(1 + m * 0.9),
    lambda im, m: im.rotate(m * 30, resample=Image.NEAREST, fillcolor=(128, 128, 128)),
    lambda im, m: im.transform(im.size, Image.AFFINE, (1, m * 0.3, 0, 0, 1, 0), resample=Image.NEAREST, fillcolor=(128, 128, 128)),
]


def rrc(im, size, rng):
    w, h = im.size
    area = w * h
    for _ in range(10):
        a = area * rng.uniform(0.08, 1.0)
        r = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
        cw, ch = int(round(math.sqrt(a * r))), int(round(math.sqrt(a / r)))
        if 0 < cw <= w and 0 < ch <= h:
            x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
            return im.resize((size, size), Image.BILINEAR, box=(x, y, x + cw, y + ch))
    return im.resize((size, size), Image.BILINEAR)


def main():
    d, views = sys.argv[1], int(sys.argv[2])
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 224
    q = int(sys.argv[4]) if len(sys.argv) > 4 else 95
    files = sorted(os.path.join(r, f) for r, _, fs in os.walk(d) for f in fs if f.lower().endswith(('.jpg', '.jpeg', '.png')))
    rng = random.Random(0)
    t0, c0, out = time.time(), time.process_time(), 0
    for p in files:
        with open(p, 'rb') as f:
            im = Image.open(io.BytesIO(f.read())).convert('RGB')
        for _ in range(views):
            v = rrc(im, size, rng)
            if rng.random() < 0.5:
                v = v.transpose(Image.FLIP_LEFT_RIGHT)
            for _ in range(2):
                v = rng.choice(OPS)(v, rng.random())
            b = io.BytesIO()
            v.save(b, 'JPEG', quality=q)
            out += b.tell()
    cpu, wall = time.process_time() - c0, time.time() - t0
    print(f"PIL loop: {len(files)} images, {views} views, {size} px JPEG q{q}: "
          f"{1000 * cpu / len(files):.2f} CPU ms/image, {1000 * wall / len(files):.2f} wall ms/image ({out} bytes)")


if __name__ == '__main__':
    main()
