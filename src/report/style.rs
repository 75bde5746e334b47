//! Terminal styling: whether to colour, and colour swatches for track colours.

use crate::session::Rgb;
use std::io::IsTerminal;

/// When to use colour, as `--color` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour on a terminal unless `NO_COLOR` is set (https://no-color.org), or as forced.
    pub fn for_stdout(choice: ColorChoice) -> Style {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Style { color }
    }

    pub fn plain() -> Style {
        Style { color: false }
    }

    /// A two-cell true-colour swatch, or nothing without colour.
    pub fn swatch(&self, color: Option<Rgb>) -> String {
        match (self.color, color) {
            (true, Some(c)) => format!("\x1b[48;2;{};{};{}m  \x1b[0m ", c.r, c.g, c.b),
            (true, None) => "   ".to_string(),
            (false, _) => String::new(),
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
