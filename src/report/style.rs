//! Terminal styling: whether to colour, and colour swatches for track colours at the depth
//! the terminal supports (true colour, the xterm 256-colour palette, or none).

use crate::session::Rgb;
use std::io::IsTerminal;

/// When to use colour, as `--color` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How track colours are drawn as swatches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swatches {
    /// 24-bit `48;2;r;g;b` backgrounds.
    TrueColor,
    /// The nearest xterm-256 palette entry, `48;5;n`.
    Ansi256,
    /// No swatch (the hex code is still shown where the output has one).
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// Whether to use escape codes at all (bold, dim, red, ...).
    pub color: bool,
    /// How swatches are drawn; always [`Swatches::None`] without `color`.
    pub swatches: Swatches,
}

/// What the environment says about the terminal, read once so that the choice can be tested
/// with made-up values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TermEnv {
    pub is_terminal: bool,
    pub no_color: Option<String>,
    pub colorterm: Option<String>,
    pub term: Option<String>,
}

impl TermEnv {
    /// The real environment, for standard output.
    pub fn from_stdout() -> TermEnv {
        let var = |name| std::env::var(name).ok();
        TermEnv {
            is_terminal: std::io::stdout().is_terminal(),
            no_color: var("NO_COLOR"),
            colorterm: var("COLORTERM"),
            term: var("TERM"),
        }
    }

    /// `NO_COLOR` set to anything non-empty (https://no-color.org).
    fn no_color(&self) -> bool {
        self.no_color.as_deref().is_some_and(|v| !v.is_empty())
    }

    /// The swatch depth the terminal claims: `COLORTERM=truecolor|24bit`, else `TERM=*256color*`.
    fn claimed_swatches(&self) -> Option<Swatches> {
        let colorterm = self.colorterm.as_deref().unwrap_or("").to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            Some(Swatches::TrueColor)
        } else if self.term.as_deref().unwrap_or("").contains("256color") {
            Some(Swatches::Ansi256)
        } else {
            None
        }
    }
}

impl Style {
    /// Colour on a terminal unless `NO_COLOR` is set, or as forced.
    pub fn for_stdout(choice: ColorChoice) -> Style {
        Style::choose(choice, &TermEnv::from_stdout())
    }

    /// The style for `choice` in `env`. `auto` colours a terminal without `NO_COLOR`, with
    /// swatches as deep as `COLORTERM`/`TERM` claim (none if they claim neither). `always`
    /// colours regardless, with true-colour swatches unless `COLORTERM`/`TERM` say less.
    /// `never` uses no escape codes at all.
    pub fn choose(choice: ColorChoice, env: &TermEnv) -> Style {
        match choice {
            ColorChoice::Never => Style::plain(),
            ColorChoice::Always => Style {
                color: true,
                swatches: env.claimed_swatches().unwrap_or(Swatches::TrueColor),
            },
            ColorChoice::Auto if env.is_terminal && !env.no_color() => Style {
                color: true,
                swatches: env.claimed_swatches().unwrap_or(Swatches::None),
            },
            ColorChoice::Auto => Style::plain(),
        }
    }

    pub fn plain() -> Style {
        Style {
            color: false,
            swatches: Swatches::None,
        }
    }

    /// Columns a swatch takes (see [`Style::swatch`]).
    pub fn swatch_width(&self) -> usize {
        if self.shows_swatches() { 3 } else { 0 }
    }

    fn shows_swatches(&self) -> bool {
        self.color && self.swatches != Swatches::None
    }

    /// A two-cell swatch and a space (three blank cells for no colour), or nothing when
    /// swatches are not shown.
    pub fn swatch(&self, color: Option<Rgb>) -> String {
        if !self.shows_swatches() {
            return String::new();
        }
        match (self.swatches, color) {
            (_, None) => "   ".to_string(),
            (Swatches::TrueColor, Some(c)) => {
                format!("\x1b[48;2;{};{};{}m  \x1b[0m ", c.r, c.g, c.b)
            }
            (_, Some(c)) => format!("\x1b[48;5;{}m  \x1b[0m ", ansi256(c)),
        }
    }

    pub fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    pub fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }

    pub fn red(&self, text: &str) -> String {
        self.wrap("31", text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.wrap("33", text)
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The levels of the xterm 6×6×6 colour cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The xterm-256 palette index nearest to `c`: the best of the nearest 6×6×6 cube entry
/// (16..=231) and the nearest of the 24 greys (232..=255), by squared RGB distance. The 16
/// system colours are left out because terminals theme them.
pub fn ansi256(c: Rgb) -> u8 {
    let nearest_level = |v: u8| -> usize {
        (0..CUBE.len())
            .min_by_key(|&i| (i32::from(CUBE[i]) - i32::from(v)).abs())
            .unwrap_or(0)
    };
    let dist = |r: u8, g: u8, b: u8| -> i32 {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(r, c.r) + d(g, c.g) + d(b, c.b)
    };
    let (ri, gi, bi) = (nearest_level(c.r), nearest_level(c.g), nearest_level(c.b));
    let cube_index = 16 + 36 * ri + 6 * gi + bi;
    let cube_dist = dist(CUBE[ri], CUBE[gi], CUBE[bi]);
    // Greys are 8 + 10k for k in 0..24.
    let mean = (u32::from(c.r) + u32::from(c.g) + u32::from(c.b)) / 3;
    let k = ((mean.saturating_sub(3)) / 10).min(23) as u8;
    let grey = 8 + 10 * k;
    let grey_dist = dist(grey, grey, grey);
    if grey_dist < cube_dist {
        232 + k
    } else {
        cube_index as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(
        is_terminal: bool,
        no_color: Option<&str>,
        colorterm: Option<&str>,
        term: Option<&str>,
    ) -> TermEnv {
        TermEnv {
            is_terminal,
            no_color: no_color.map(str::to_string),
            colorterm: colorterm.map(str::to_string),
            term: term.map(str::to_string),
        }
    }

    #[test]
    fn ansi256_maps_cube_corners_and_greys() {
        assert_eq!(ansi256(Rgb::new(0, 0, 0)), 16);
        assert_eq!(ansi256(Rgb::new(255, 255, 255)), 231);
        assert_eq!(ansi256(Rgb::new(255, 0, 0)), 196);
        assert_eq!(ansi256(Rgb::new(0, 255, 0)), 46);
        assert_eq!(ansi256(Rgb::new(0, 0, 255)), 21);
        // Exact cube entries map to themselves: (95, 135, 175) is 16 + 36 + 12 + 3.
        assert_eq!(ansi256(Rgb::new(95, 135, 175)), 67);
        // Mid greys are nearer the grey ramp than the cube.
        assert_eq!(ansi256(Rgb::new(128, 128, 128)), 244);
        assert_eq!(ansi256(Rgb::new(8, 8, 8)), 232);
        assert_eq!(ansi256(Rgb::new(238, 238, 238)), 255);
        // Near-cube colours snap to the nearest level per channel: #d94f3d → (215, 95, 95).
        assert_eq!(ansi256(Rgb::new(0xd9, 0x4f, 0x3d)), 16 + 36 * 4 + 6 + 1);
    }

    #[test]
    fn ansi256_is_never_a_system_colour() {
        for v in (0..=255u8).step_by(5) {
            for c in [
                Rgb::new(v, 0, 0),
                Rgb::new(v, v, v),
                Rgb::new(0, v, 255 - v),
            ] {
                assert!(ansi256(c) >= 16, "{c:?}");
            }
        }
    }

    #[test]
    fn auto_degrades_from_true_colour_to_256_to_none() {
        let auto = |e: &TermEnv| Style::choose(ColorChoice::Auto, e).swatches;
        assert_eq!(
            auto(&env(true, None, Some("truecolor"), Some("xterm-256color"))),
            Swatches::TrueColor
        );
        assert_eq!(
            auto(&env(true, None, Some("24bit"), None)),
            Swatches::TrueColor
        );
        assert_eq!(
            auto(&env(true, None, None, Some("xterm-256color"))),
            Swatches::Ansi256
        );
        assert_eq!(
            auto(&env(true, None, Some("yes"), Some("screen-256color"))),
            Swatches::Ansi256
        );
        let plain_term = Style::choose(ColorChoice::Auto, &env(true, None, None, Some("xterm")));
        assert!(plain_term.color);
        assert_eq!(plain_term.swatches, Swatches::None);
        assert_eq!(plain_term.swatch(Some(Rgb::new(1, 2, 3))), "");
        assert_eq!(plain_term.swatch_width(), 0);
    }

    #[test]
    fn no_color_and_pipes_and_never_turn_everything_off() {
        let rich = (Some("truecolor"), Some("xterm-256color"));
        for style in [
            Style::choose(ColorChoice::Auto, &env(true, Some("1"), rich.0, rich.1)),
            Style::choose(ColorChoice::Auto, &env(false, None, rich.0, rich.1)),
            Style::choose(ColorChoice::Never, &env(true, None, rich.0, rich.1)),
        ] {
            assert_eq!(style, Style::plain());
            assert_eq!(style.swatch(Some(Rgb::new(1, 2, 3))), "");
            assert_eq!(style.bold("x"), "x");
        }
        // An empty NO_COLOR does not count.
        assert!(Style::choose(ColorChoice::Auto, &env(true, Some(""), None, None)).color);
    }

    #[test]
    fn always_forces_colour_true_colour_unless_told_otherwise() {
        let forced = Style::choose(ColorChoice::Always, &env(false, Some("1"), None, None));
        assert!(forced.color);
        assert_eq!(forced.swatches, Swatches::TrueColor);
        assert_eq!(
            forced.swatch(Some(Rgb::new(1, 2, 3))),
            "\x1b[48;2;1;2;3m  \x1b[0m "
        );
        let forced256 = Style::choose(
            ColorChoice::Always,
            &env(false, None, None, Some("xterm-256color")),
        );
        assert_eq!(forced256.swatches, Swatches::Ansi256);
        assert_eq!(
            forced256.swatch(Some(Rgb::new(255, 0, 0))),
            "\x1b[48;5;196m  \x1b[0m "
        );
        assert_eq!(forced256.swatch(None), "   ");
    }
}
