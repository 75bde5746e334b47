//! Writes a large, valid, deterministic project for benchmarks.
//!
//! ```sh
//! cargo run --release --example generate -- rpp 35MB out.rpp      # file size
//! cargo run --release --example generate -- als 50MB out.als      # decompressed XML size
//! cargo run --release --example generate -- ardour 300 out.ardour # routes
//! cargo run --release --example generate -- dawproject 2000 out.dawproject        # tracks
//! cargo run --release --example generate -- dawproject-stored 2000 out.dawproject # media stored
//! ```
//!
//! A DAWproject's every audio clip embeds its own WAV (`DAWPROJECT_MEDIA` bytes of audio
//! each, default 8820: 0.1 s mono), deflated as Bitwig writes them, or stored.

#[path = "../benches/gen/mod.rs"]
mod projgen;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [format, size, out] = args.as_slice() else {
        eprintln!(
            "usage: generate rpp|als SIZE OUT  |  generate ardour ROUTES OUT  |  generate dawproject[-stored] TRACKS OUT"
        );
        return ExitCode::from(2);
    };
    let bytes = match format.as_str() {
        "rpp" | "als" => {
            let Some(n) = projgen::parse_size(size) else {
                eprintln!("generate: bad size {size:?} (e.g. 35MB)");
                return ExitCode::from(2);
            };
            if format == "rpp" {
                projgen::rpp(n)
            } else {
                projgen::als(n)
            }
        }
        "dawproject" | "dawproject-stored" => match size.parse() {
            Ok(tracks) => {
                let media = std::env::var("DAWPROJECT_MEDIA")
                    .ok()
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(8_820);
                projgen::dawproject_big(tracks, media, format == "dawproject-stored")
            }
            Err(_) => {
                eprintln!("generate: bad track count {size:?}");
                return ExitCode::from(2);
            }
        },
        "ardour" => match size.parse() {
            Ok(routes) => projgen::ardour(routes),
            Err(_) => {
                eprintln!("generate: bad route count {size:?}");
                return ExitCode::from(2);
            }
        },
        other => {
            eprintln!("generate: unknown format {other:?} (rpp, als, ardour, dawproject)");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::write(out, &bytes) {
        eprintln!("generate: {out}: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
