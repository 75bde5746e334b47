//! Recolour every track of a REAPER project with the `rpp-parser` crate: parse, set PEAKCOL,
//! serialise, write.  `rpp-parser-peer IN.rpp OUT.rpp`
use rpp_parser::parser::{Child, Element, parse_element};
use rpp_parser::serialize::serialize_to_string;

fn recolour<'a>(e: &mut Element<'a>, colours: &'a [String], n: &mut usize) {
    if e.tag == "TRACK" {
        for c in &mut e.children {
            if let Child::Line(words) = c {
                if words.first() == Some(&"PEAKCOL") && words.len() > 1 {
                    words[1] = &colours[*n % colours.len()];
                }
            }
        }
        *n += 1;
    }
    for c in &mut e.children {
        if let Child::Element(child) = c {
            recolour(child, colours, n);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).expect("read");
    let colours: Vec<String> = (0..70u32)
        .map(|i| (16777216 | (i * 2654435) & 0xFFFFFF).to_string())
        .collect();
    let mut root = parse_element(&text).expect("parse");
    let mut n = 0;
    recolour(&mut root, &colours, &mut n);
    std::fs::write(&args[2], serialize_to_string(&root)).expect("write");
}
