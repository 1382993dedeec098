import sharp from 'sharp';

const W = 1200,
  H = 900;
// A mug on a warm grey tabletop with a soft shadow and a supplier-style off-white backdrop.
const mug = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#e9e4dc"/><stop offset="0.62" stop-color="#d8d0c4"/><stop offset="0.62" stop-color="#b9ab98"/><stop offset="1" stop-color="#a39480"/></linearGradient>
<linearGradient id="body" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#1d4e89"/><stop offset="0.45" stop-color="#3f7cc4"/><stop offset="1" stop-color="#143863"/></linearGradient>
<filter id="blur"><feGaussianBlur stdDeviation="14"/></filter></defs>
<rect width="100%" height="100%" fill="url(#bg)"/>
<ellipse cx="600" cy="700" rx="230" ry="34" fill="#000" opacity="0.35" filter="url(#blur)"/>
<path d="M760 360 q150 20 120 150 q-25 110 -140 110" fill="none" stroke="#1b467c" stroke-width="38"/>
<path d="M400 300 h400 v330 q0 70 -70 70 h-260 q-70 0 -70 -70 z" fill="url(#body)"/>
<ellipse cx="600" cy="300" rx="200" ry="34" fill="#0f2c50"/>
<text x="600" y="520" font-family="sans-serif" font-size="64" font-weight="bold" fill="#ffffff" text-anchor="middle">MORNING</text>
</svg>`;
const bottle = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="1200">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#2f7d4f"/><stop offset="0.4" stop-color="#6cc08b"/><stop offset="1" stop-color="#1f5a37"/></linearGradient>
<radialGradient id="bg"><stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="#dcdcdc"/></radialGradient>
<filter id="blur"><feGaussianBlur stdDeviation="12"/></filter></defs>
<rect width="100%" height="100%" fill="url(#bg)"/>
<ellipse cx="450" cy="1060" rx="170" ry="26" fill="#000" opacity="0.3" filter="url(#blur)"/>
<rect x="400" y="140" width="100" height="120" rx="14" fill="#333"/>
<path d="M390 260 h120 q0 90 80 150 v610 q0 40 -40 40 h-200 q-40 0 -40 -40 v-610 q80 -60 80 -150 z" fill="url(#g)"/>
<rect x="330" y="600" width="240" height="230" fill="#f4efe4"/>
<text x="450" y="700" font-family="serif" font-size="52" fill="#2f4f3a" text-anchor="middle">FERN</text>
<text x="450" y="760" font-family="sans-serif" font-size="26" fill="#2f4f3a" text-anchor="middle">olive oil · 500 ml</text>
</svg>`;
await sharp(Buffer.from(mug)).jpeg({ quality: 88 }).toFile('samples/mug-on-table.jpg');
await sharp(Buffer.from(bottle)).jpeg({ quality: 88 }).toFile('samples/bottle-studio.jpg');
// A small, cut-out product (PNG with alpha) as a supplier might send after their own masking.
const sneaker = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="420">
<path d="M40 300 q10 -120 140 -150 l90 -70 q40 -20 70 20 l60 80 q120 20 190 60 q30 20 10 60 l-20 30 h-520 z" fill="#d9462b"/>
<path d="M40 330 h560 v30 q0 20 -20 20 h-520 q-20 0 -20 -20 z" fill="#f5f5f5"/>
<path d="M200 170 l140 150 M240 150 l130 150" stroke="#ffffff" stroke-width="10"/>
</svg>`;
await sharp(Buffer.from(sneaker)).png().toFile('samples/sneaker-cutout.png');
