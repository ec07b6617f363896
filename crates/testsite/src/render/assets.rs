//! Page weight as real pages carry it: critical CSS, an SVG icon sprite and scripts, generated once per site.

use std::fmt::Write as _;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};

use crate::model::SECTIONS;

/// Component names the stylesheet styles.
const COMPONENTS: &[&str] = &[
    "gnb",
    "amn",
    "ticker",
    "box",
    "top10",
    "ent",
    "darkroom",
    "article",
    "byline",
    "share",
    "figure",
    "related",
    "footer",
    "ad",
    "pagination",
    "list",
    "card",
    "masthead",
    "search",
    "member",
    "comments",
    "trending",
];

/// Element parts per component.
const PARTS: &[&str] = &["", "-wrap", "-title", "-item", "-link", "-img", "-meta"];

/// CSS declarations the generator draws from.
const DECLS: &[&str] = &[
    "display:flex",
    "display:block",
    "display:none",
    "position:relative",
    "position:absolute",
    "overflow:hidden",
    "font-weight:700",
    "font-weight:400",
    "text-overflow:ellipsis",
    "white-space:nowrap",
    "box-sizing:border-box",
    "align-items:center",
    "justify-content:space-between",
    "flex-wrap:wrap",
    "cursor:pointer",
    "list-style:none",
];

/// Icons in the sprite.
const ICONS: &[&str] = &[
    "logo",
    "search",
    "menu",
    "close",
    "facebook",
    "twitter",
    "kakao",
    "whatsapp",
    "reddit",
    "mail",
    "link",
    "print",
    "font-up",
    "font-down",
];

/// The site-wide stylesheet (inlined as critical CSS and served as `/static/css/main.css`).
pub fn stylesheet(seed: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed ^ 0xC55);
    let mut css = String::with_capacity(24 * 1024);
    css.push_str(
        ":root{--brand:#0b3d91;--ink:#1a1a1a;--muted:#6b6b6b;--line:#e5e5e5}*{margin:0;padding:0}\
         body{font-family:'Noto Sans KR',Helvetica,Arial,sans-serif;color:var(--ink);line-height:1.6}\
         a{color:inherit;text-decoration:none}img{max-width:100%;height:auto}\n",
    );
    for component in COMPONENTS {
        for part in PARTS {
            rule(&mut css, &mut rng, component, part);
        }
    }
    css.push_str("@media (max-width:768px){");
    for component in COMPONENTS.iter().take(12) {
        for part in PARTS.iter().take(4) {
            rule(&mut css, &mut rng, component, part);
        }
    }
    css.push_str("}\n");
    css
}

fn rule(css: &mut String, rng: &mut StdRng, component: &str, part: &str) {
    let _ = write!(css, ".{component}{part}{{");
    let count = rng.random_range(2..5);
    for decl in DECLS.sample(rng, count) {
        let _ = write!(css, "{decl};");
    }
    let _ = writeln!(
        css,
        "margin:{}px {}px;padding:{}px;font-size:{}px;color:#{:06x}}}",
        rng.random_range(0..24),
        rng.random_range(0..16),
        rng.random_range(0..20),
        rng.random_range(11..28),
        rng.random_range(0..0xFF_FFFFu32)
    );
}

/// The inline SVG icon sprite at the top of `<body>`.
pub fn sprite(seed: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5B6);
    let mut svg = String::with_capacity(12 * 1024);
    svg.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\" style=\"display:none\">\n");
    for icon in ICONS {
        let _ = write!(
            svg,
            "<symbol id=\"i-{icon}\" viewBox=\"0 0 24 24\"><path d=\"M{:.1} {:.1}",
            rnd(&mut rng),
            rnd(&mut rng)
        );
        for _ in 0..rng.random_range(24..40) {
            let cmd = ['L', 'C', 'Q', 'S', 'l', 'c'][rng.random_range(0..6)];
            let _ = write!(
                svg,
                "{cmd}{:.2} {:.2} {:.2} {:.2}",
                rnd(&mut rng),
                rnd(&mut rng),
                rnd(&mut rng),
                rnd(&mut rng)
            );
        }
        svg.push_str("z\"/></symbol>\n");
    }
    svg.push_str("</svg>\n");
    svg
}

fn rnd(rng: &mut StdRng) -> f32 {
    rng.random_range(0.0..24.0)
}

/// Head scripts: analytics data layer, ad slot definitions, site configuration.
pub fn head_scripts() -> String {
    let mut js = String::with_capacity(8 * 1024);
    js.push_str(
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}\
         gtag('js',new Date());gtag('config','G-SC0URIER01',{send_page_view:true,cookie_flags:'SameSite=None;Secure'});</script>\n\
         <script async src=\"https://www.googletagmanager.com/gtag/js?id=G-SC0URIER01\"></script>\n\
         <script async src=\"https://securepubads.g.doubleclick.net/tag/js/gpt.js\"></script>\n\
         <script>window.googletag=window.googletag||{cmd:[]};googletag.cmd.push(function(){\n",
    );
    let sizes = [
        "[[728,90],[970,90],[970,250]]",
        "[[300,250],[300,600]]",
        "[[320,50],[320,100]]",
        "[[640,360]]",
    ];
    for (n, section) in SECTIONS.iter().enumerate() {
        for (k, size) in sizes.iter().enumerate() {
            let _ = writeln!(
                js,
                "googletag.defineSlot('/21774/seoulcourier/{}/pos{k}',{size},'div-gpt-ad-{}').addService(googletag.pubads());",
                section.slug,
                1_700_000 + n * 10 + k
            );
        }
    }
    js.push_str(
        "googletag.pubads().enableSingleRequest();googletag.pubads().collapseEmptyDivs();googletag.enableServices();});</script>\n\
         <script type=\"application/json\" id=\"site-config\">{\"site\":\"seoulcourier\",\"lang\":\"en\",\"sections\":[",
    );
    for (n, section) in SECTIONS.iter().enumerate() {
        let _ = write!(
            js,
            "{}{{\"slug\":\"{}\",\"name\":\"{}\",\"subs\":[",
            if n > 0 { "," } else { "" },
            section.slug,
            section.name
        );
        for (k, (slug, name)) in section.subs.iter().enumerate() {
            let _ = write!(
                js,
                "{}{{\"slug\":\"{slug}\",\"name\":\"{name}\"}}",
                if k > 0 { "," } else { "" }
            );
        }
        js.push_str("]}");
    }
    js.push_str("],\"ads\":{\"refresh\":30,\"lazy\":true},\"paywall\":{\"free\":10}}</script>\n");
    js
}

/// Scripts at the end of `<body>`: share buttons, font size, lazy images, consent banner.
pub const BODY_SCRIPTS: &str = "<script src=\"/static/js/vendor.js?v=20241231\" defer></script>\n\
<script src=\"/static/js/app.js?v=20241231\" defer></script>\n\
<script>(function(w,d){'use strict';var fs=16,art=d.querySelector('.article-body');\
function setFs(n){fs=Math.max(12,Math.min(24,n));if(art){art.style.fontSize=fs+'px';}try{localStorage.setItem('sc_fs',fs);}catch(e){}}\
d.addEventListener('click',function(e){var t=e.target.closest('[data-action]');if(!t){return;}var a=t.getAttribute('data-action');\
if(a==='font-up'){setFs(fs+1);}else if(a==='font-down'){setFs(fs-1);}else if(a==='print'){w.print();}\
else if(a==='copy-link'){var u=d.querySelector('link[rel=canonical]');if(u&&navigator.clipboard){navigator.clipboard.writeText(u.href);}}\
else if(a==='all-menu'){d.getElementById('all-menu').classList.toggle('open');}});\
var io='IntersectionObserver' in w?new IntersectionObserver(function(es){es.forEach(function(en){if(en.isIntersecting){var i=en.target;\
i.src=i.getAttribute('data-src');io.unobserve(i);}});},{rootMargin:'200px'}):null;\
d.querySelectorAll('img[data-src]').forEach(function(i){if(io){io.observe(i);}else{i.src=i.getAttribute('data-src');}});\
var c=d.getElementById('consent');if(c&&!d.cookie.match(/sc_consent=1/)){c.hidden=false;c.querySelector('button').onclick=function(){\
d.cookie='sc_consent=1;max-age=31536000;path=/';c.hidden=true;};}})(window,document);</script>\n\
<div id=\"consent\" class=\"consent\" hidden><p>We use cookies to improve your experience and to show relevant ads.</p><button type=\"button\">Accept</button></div>\n";

/// The body of a `/static/...` asset, with its content type, or `None` for an unknown path.
pub fn static_file(path: &str, css: &str) -> Option<(&'static str, String)> {
    let name = path.strip_prefix("/static/")?;
    if name.starts_with("css/") && name.ends_with(".css") {
        Some(("text/css; charset=utf-8", css.to_string()))
    } else if name.starts_with("js/") && name.ends_with(".js") {
        Some((
            "application/javascript; charset=utf-8",
            format!("/* {name} */\nwindow.sc=window.sc||{{}};\n"),
        ))
    } else {
        None
    }
}

/// A 1×1 transparent GIF, served for every image path.
pub const PIXEL_GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];
