"""Builds a second synthetic-watermarks set, laid out like ../shared/datasets/synthetic-watermarks, from the photos
that set does not use and from other texts, so `npm run eval:wm` can be checked on marks it was never tuned on.

The shared set's README describes how its marks were made; this follows it: `center` one large text at 22–50 %
opacity in white, grey or black; `corner` a small URL or name at 45–85 %; `tiled` one text repeated diagonally
over the whole image at 15–30 %; `logo` a stamp from watermarks/logos at 20–45 % of the short side; `none` a clean
control. The text is DejaVu Sans Bold, as in the shared set. Marked images are saved as JPEG q92, `clean/` holds
the base pixels and `masks/` is 255 where the mark's alpha is above 3 %. Deterministic for a given seed.

The output holds third-party photos: keep it outside the repository (default /tmp/wm-own).

usage: python3 bench/watermark/make_synthetic_set.py [OUT_DIR] [SEED]
"""

import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

DATASETS = os.environ.get("MEDIA_STUDIO_DATASETS", os.path.join(os.path.dirname(__file__), "../../../shared/datasets"))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

# Bases the shared set does not use, each with the kind it gets (kinds spread as in the shared set).
BASES = [
    ("products/images/magento_luma-foam-roller.jpg", "center"),
    ("products/images/magento_luma-yoga-brick.jpg", "corner"),
    ("products/images/magento_mb02-gray-0.jpg", "tiled"),
    ("products/images/magento_mb04-black-0.jpg", "logo"),
    ("products/images/magento_mb06-gray-0.jpg", "none"),
    ("products/images/magento_mg03-br-0.jpg", "center"),
    ("products/images/magento_mh01-gray_main.jpg", "tiled"),
    ("products/images/magento_ub02-black-0.jpg", "logo"),
    ("products/images/magento_ug03-bk-0.jpg", "center"),
    ("products/images/magento_ug05-gr-0.jpg", "corner"),
    ("products/images/magento_ug07-bk-0.jpg", "tiled"),
    ("products/images/magento_wg03-sa-0.jpg", "logo"),
    ("product-composites/images/bottles_1_photo_2.jpg", "none"),
    ("product-composites/images/bottles_1_sweep_4.jpg", "center"),
    ("product-composites/images/cap_red_1_photo_10.jpg", "tiled"),
    ("product-composites/images/mug_set_solid_13.jpg", "logo"),
    ("product-composites/images/mug_set_photo_12.jpg", "center"),
    ("product-composites/images/tshirt_photo_17.jpg", "corner"),
    ("product-composites/images/tshirt_sweep_19.jpg", "tiled"),
]

CENTER_TEXTS = ["SAMPLE", "www.trade-supplies.net", "PREVIEW COPY", "vendor-2281", "© Nordic Goods"]
CORNER_TEXTS = ["shop.example-goods.com", "© ACME Trading", "item 44-7310", "wholesale-hub.eu"]
TILED_TEXTS = ["DO NOT COPY", "SAMPLE", "draft-0937", "© supplier"]
LOGOS = [
    "logo_authentic_stamp.png",
    "logo_copyright_stamp_rgb.png",
    "logo_copyright_stamp_small.png",
    "logo_pymatting_rgba.png",
]
COLOURS = {"white": (255, 255, 255), "grey": (128, 128, 128), "black": (0, 0, 0)}


def text_layer(text, size):
    """White-on-transparent coverage of the text (0..1), cropped to its ink."""
    font = ImageFont.truetype(FONT, size)
    left, top, right, bottom = font.getbbox(text)
    layer = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(layer).text((2 - left, 2 - top), text, font=font, fill=255)
    return layer


def paste(alpha, layer, x, y, opacity):
    """Adds a layer's coverage at (x, y) into the full-image alpha, clipped to the image; overlapping copies
    composite over each other as stacked layers do."""
    h, w = alpha.shape
    a = np.asarray(layer, dtype=np.float64) / 255.0 * opacity
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + a.shape[1], w), min(y + a.shape[0], h)
    if x1 <= x0 or y1 <= y0:
        return
    part = a[y0 - y : y1 - y, x0 - x : x1 - x]
    region = alpha[y0:y1, x0:x1]
    alpha[y0:y1, x0:x1] = 1 - (1 - region) * (1 - part)


def mark_center(rng, w, h):
    alpha = np.zeros((h, w))
    text = rng.choice(CENTER_TEXTS)
    size = int(w * rng.uniform(0.08, 0.14))
    layer = text_layer(text, size)
    if layer.width > w * 0.95:
        size = int(size * w * 0.95 / layer.width)
        layer = text_layer(text, size)
    x = (w - layer.width) // 2 + rng.randint(-w // 20, w // 20)
    y = (h - layer.height) // 2 + rng.randint(-h // 10, h // 10)
    paste(alpha, layer, x, y, rng.uniform(0.22, 0.5))
    return alpha, rng.choice(list(COLOURS.values()))


def mark_corner(rng, w, h):
    alpha = np.zeros((h, w))
    layer = text_layer(rng.choice(CORNER_TEXTS), int(min(w, h) * rng.uniform(0.025, 0.04)))
    margin = int(min(w, h) * 0.03)
    right, bottom = rng.random() < 0.75, rng.random() < 0.8
    x = w - layer.width - margin if right else margin
    y = h - layer.height - margin if bottom else margin
    paste(alpha, layer, x, y, rng.uniform(0.45, 0.85))
    return alpha, rng.choice(list(COLOURS.values()))


def mark_tiled(rng, w, h):
    alpha = np.zeros((h, w))
    layer = text_layer(rng.choice(TILED_TEXTS), int(min(w, h) * rng.uniform(0.03, 0.05)))
    layer = layer.rotate(rng.uniform(25, 40), resample=Image.BICUBIC, expand=True)
    opacity = rng.uniform(0.15, 0.3)
    step_x, step_y = int(layer.width * rng.uniform(1.3, 1.8)), int(layer.height * rng.uniform(0.9, 1.3))
    for row, y in enumerate(range(-layer.height, h + layer.height, step_y)):
        shift = (step_x // 2) * (row % 2)
        for x in range(-layer.width + shift, w + layer.width, step_x):
            paste(alpha, layer, x, y, opacity)
    return alpha, rng.choice([COLOURS["white"], COLOURS["grey"], COLOURS["black"]])


def mark_logo(rng, w, h):
    name = rng.choice(LOGOS)
    logo = Image.open(os.path.join(DATASETS, "watermarks/logos", name))
    if name == "logo_copyright_stamp_rgb.png":
        logo = logo.convert("RGB")
        logo.putalpha(Image.open(os.path.join(DATASETS, "watermarks/logos/logo_copyright_stamp_alpha.png")).convert("L"))
    logo = logo.convert("RGBA")
    side = int(min(w, h) * rng.uniform(0.2, 0.45))
    logo = logo.resize((side, int(side * logo.height / logo.width)), Image.LANCZOS)
    rgba = np.asarray(logo, dtype=np.float64)
    opacity = rng.uniform(0.3, 0.6)
    x = rng.choice([int(w * 0.05), w - side - int(w * 0.05), (w - side) // 2])
    y = rng.choice([int(h * 0.05), h - logo.height - int(h * 0.05), (h - logo.height) // 2])
    alpha = np.zeros((h, w))
    colour = np.zeros((h, w, 3))
    alpha[y : y + logo.height, x : x + side] = rgba[..., 3] / 255.0 * opacity
    colour[y : y + logo.height, x : x + side] = rgba[..., :3]
    return alpha, colour


MAKERS = {"center": mark_center, "corner": mark_corner, "tiled": mark_tiled, "logo": mark_logo}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/wm-own"
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    for folder in ("watermarked", "clean", "masks"):
        os.makedirs(os.path.join(out, folder), exist_ok=True)
    rows = ["file,base,kind"]
    for path, kind in BASES:
        base = Image.open(os.path.join(DATASETS, path))
        base = base.convert("RGBA")
        # Transparent product cut-outs are laid on white, as a marketplace shows them.
        flat = Image.new("RGBA", base.size, (255, 255, 255, 255))
        flat.alpha_composite(base)
        clean = np.asarray(flat.convert("RGB"), dtype=np.float64)
        h, w = clean.shape[:2]
        name = f"{os.path.splitext(os.path.basename(path))[0]}_{kind}"
        if kind == "none":
            alpha, colour = np.zeros((h, w)), np.zeros(3)
        else:
            alpha, colour = MAKERS[kind](rng, w, h)
        colour = np.broadcast_to(np.asarray(colour, dtype=np.float64), clean.shape)
        marked = alpha[..., None] * colour + (1 - alpha[..., None]) * clean
        Image.fromarray(np.clip(np.rint(marked), 0, 255).astype(np.uint8)).save(
            os.path.join(out, "watermarked", name + ".jpg"), quality=92
        )
        Image.fromarray(clean.astype(np.uint8)).save(os.path.join(out, "clean", name + ".png"))
        Image.fromarray(((alpha > 0.03) * 255).astype(np.uint8)).save(os.path.join(out, "masks", name + ".png"))
        rows.append(f"{name},{os.path.basename(path)},{kind}")
        print(name, kind, f"{(alpha > 0.03).mean():.3f}")
    with open(os.path.join(out, "MANIFEST.csv"), "w") as manifest:
        manifest.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
