//! A PNG rendering of a picture's SVG, stored beside the SVG in a notebook (SPEC §22):
//! JupyterLab renders no SVG from a notebook it does not trust, and trust is never in
//! the file, so a notebook opened from a fresh clone shows the PNG.
//!
//! resvg rasterises the SVG; the text (titles, axis labels) is drawn with the system's
//! fonts, found once per process by scanning the usual font folders. Without any font
//! the picture is drawn without its text; nothing here panics on a font or an SVG.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

/// The most pixels a rendering may have (a large graph drawing is scaled down to it):
/// 16 MB of pixel memory at most.
const MAX_PIXELS: f32 = 4_000_000.0;

/// The SVG rendered as PNG bytes, at its own size (scaled down past [`MAX_PIXELS`]);
/// `None` if the SVG does not parse or has no area.
pub fn svg_to_png(svg: &str) -> Option<Vec<u8>> {
    render(svg, fonts().clone())
}

/// [`svg_to_png`] with the fonts of `fontdb`.
fn render(svg: &str, fontdb: Arc<usvg::fontdb::Database>) -> Option<Vec<u8>> {
    let options = usvg::Options {
        fontdb,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).ok()?;
    let size = tree.size();
    let (w, h) = (size.width(), size.height());
    if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0) {
        return None;
    }
    let scale = (MAX_PIXELS / (w * h)).sqrt().min(1.0);
    let width = ((w * scale).ceil() as u32).max(1);
    let height = ((h * scale).ceil() as u32).max(1);
    let mut pixmap = tiny_skia::Pixmap::new(width, height)?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let transform = tiny_skia::Transform::from_scale(scale, scale);
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap.encode_png().ok()
}

/// The PNG as base64, the way a notebook stores `image/png`.
pub fn svg_to_png_base64(svg: &str) -> Option<String> {
    use base64::Engine;
    svg_to_png(svg).map(|png| base64::engine::general_purpose::STANDARD.encode(png))
}

/// The system's fonts, loaded on the first rendering. The pictures ask for `monospace`
/// (and the default family for anything else): both name a monospaced face that is
/// installed (DejaVu Sans Mono where it is), else any installed face.
fn fonts() -> &'static Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_system_fonts();
        if let Some(family) = pick_family(&db) {
            db.set_monospace_family(family.clone());
            db.set_sans_serif_family(family.clone());
            db.set_serif_family(family);
        }
        Arc::new(db)
    })
}

/// The family for the pictures' text: a preferred monospaced one, any monospaced one,
/// or any at all.
fn pick_family(db: &usvg::fontdb::Database) -> Option<String> {
    const PREFERRED: [&str; 4] = [
        "DejaVu Sans Mono",
        "Liberation Mono",
        "Noto Sans Mono",
        "Menlo",
    ];
    let families: Vec<(&str, bool)> = db
        .faces()
        .filter_map(|f| Some((f.families.first()?.0.as_str(), f.monospaced)))
        .collect();
    PREFERRED
        .iter()
        .find(|p| families.iter().any(|(f, _)| f == *p))
        .map(|p| p.to_string())
        .or_else(|| {
            families
                .iter()
                .find(|(_, m)| *m)
                .map(|(f, _)| f.to_string())
        })
        .or_else(|| families.first().map(|(f, _)| f.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::picture::{LinePlot, Picture};

    fn is_png(bytes: &[u8]) -> bool {
        bytes.starts_with(b"\x89PNG\r\n\x1a\n")
    }

    #[test]
    fn a_plot_renders_to_a_png_of_its_size() {
        let plot = Picture::Plot(LinePlot {
            xs: vec![0.0, 1.0, 2.0],
            ys: vec![3.0, 1.0, 2.0],
            title: Some("loss".into()),
        });
        let png = svg_to_png(&plot.to_svg()).expect("a PNG");
        assert!(is_png(&png));
        assert!(png.len() > 1000, "{} bytes", png.len());
        // The IHDR chunk holds the width and height (big-endian) at bytes 16..24.
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        let tree = usvg::Tree::from_str(&plot.to_svg(), &usvg::Options::default()).unwrap();
        assert_eq!(
            (w, h),
            (
                tree.size().width().ceil() as u32,
                tree.size().height().ceil() as u32
            )
        );
    }

    #[test]
    fn text_is_drawn_when_a_font_is_installed() {
        if fonts().is_empty() {
            return; // nothing to draw text with on this machine
        }
        let with = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" font-family="monospace"><text x="10" y="30" font-size="20">loss 0.25</text></svg>"#;
        let without = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"></svg>"#;
        assert_ne!(svg_to_png(with), svg_to_png(without));
    }

    #[test]
    fn without_any_font_the_picture_is_drawn_without_its_text() {
        let plot = Picture::Plot(LinePlot {
            xs: vec![0.0, 1.0],
            ys: vec![1.0, 0.0],
            title: Some("loss".into()),
        });
        let none = Arc::new(usvg::fontdb::Database::new());
        let png = render(&plot.to_svg(), none).expect("a PNG without fonts");
        assert!(is_png(&png));
        assert!(pick_family(&usvg::fontdb::Database::new()).is_none());
    }

    #[test]
    fn a_huge_picture_is_scaled_down_and_a_broken_one_gives_none() {
        let huge = r#"<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="10" height="10"/></svg>"#;
        let png = svg_to_png(huge).expect("a PNG");
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert!((w as f32) * (h as f32) <= MAX_PIXELS * 1.01, "{w}x{h}");
        assert_eq!(svg_to_png("<svg"), None);
        assert_eq!(svg_to_png("not svg at all"), None);
        assert_eq!(
            svg_to_png(r#"<svg xmlns="http://www.w3.org/2000/svg" width="0" height="10"/>"#),
            None
        );
    }

    #[test]
    fn base64_is_the_png() {
        use base64::Engine;
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="10" height="10"/></svg>"#;
        let text = svg_to_png_base64(svg).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap();
        assert!(is_png(&bytes));
    }
}
