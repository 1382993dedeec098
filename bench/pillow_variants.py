"""Pillow baseline for bench/variants.ts: a straightforward port of the seed's generate_sizes + upload_image.

Each size is a `thumbnail(..., LANCZOS)` of its own copy of the full image (200, 800, 1600: longest side, never
enlarged), RGBA is pasted onto white, and every variant is saved as JPEG at the given quality, progressive, as
the seed's upload_image does. CPU time is `time.process_time()` (user + system of this process), the median of
a few repeats per image; decoding is not counted. The full-size `original` (which the seed does not produce when
generate_sizes is on) is measured separately, and so is `encode_ms`, the JPEG encoding of the three
already-resized variants alone: the floor that no resizing trick can go below with a libjpeg-family encoder at
the same settings. Prints JSON on stdout.

usage: python3 bench/pillow_variants.py IMAGES_DIR_OR_FILE [REPEATS] [QUALITY]
"""

import io
import json
import os
import statistics
import sys
import time

from PIL import Image, features

SIZES = {"thumbnail": (200, 200), "medium": (800, 800), "large": (1600, 1600)}
EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


def load(path):
    """The seed's download_image, minus the download: RGB or RGBA."""
    image = Image.open(path)
    image.load()
    if image.mode not in ("RGB", "RGBA"):
        if image.mode == "P" and "transparency" in image.info:
            image = image.convert("RGBA")
        else:
            image = image.convert("RGB")
    return image


def generate_sizes(image):
    sizes = {}
    for name, box in SIZES.items():
        variant = image.copy()
        variant.thumbnail(box, Image.Resampling.LANCZOS)
        sizes[name] = variant
    return sizes


def encode_jpeg(image, quality):
    """The seed's upload_image, minus the upload."""
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.split()[3])
        image = background
    image.save(buffer, format="JPEG", quality=quality, progressive=True)
    return buffer.getvalue()


def run_once(image, quality):
    start = time.process_time()
    encoded = {name: (variant, encode_jpeg(variant, quality)) for name, variant in generate_sizes(image).items()}
    return (time.process_time() - start) * 1000, encoded


def main():
    target = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    quality = int(sys.argv[3]) if len(sys.argv) > 3 else 90
    if os.path.isdir(target):
        paths = [os.path.join(target, n) for n in sorted(os.listdir(target)) if n.lower().endswith(EXTENSIONS)]
    else:
        paths = [target]
    results = []
    for path in paths:
        name = os.path.basename(path)
        image = load(path)
        run_once(image, quality)  # warm-up
        times, encoded = [], {}
        for _ in range(repeats):
            ms, encoded = run_once(image, quality)
            times.append(ms)
        variants = generate_sizes(image)
        encode_times = []
        for _ in range(repeats):
            start = time.process_time()
            for variant in variants.values():
                encode_jpeg(variant, quality)
            encode_times.append((time.process_time() - start) * 1000)
        original_times, original_bytes = [], b""
        for _ in range(repeats):
            start = time.process_time()
            original_bytes = encode_jpeg(image, quality)
            original_times.append((time.process_time() - start) * 1000)
        results.append({
            "name": name,
            "width": image.width,
            "height": image.height,
            "mode": image.mode,
            "cpu_ms": statistics.median(times),
            "encode_ms": statistics.median(encode_times),
            "variants": {
                variant_name: {"width": variant.width, "height": variant.height, "bytes": len(data)}
                for variant_name, (variant, data) in encoded.items()
            },
            "original": {"cpu_ms": statistics.median(original_times), "bytes": len(original_bytes)},
        })
    print(json.dumps({
        "pillow": Image.__version__,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
        "quality": quality,
        "repeats": repeats,
        "images": results,
    }))


if __name__ == "__main__":
    main()
