//! Numbers written the way each DAW writes them (C's `printf` conversions), so that a value
//! premix changes looks like the DAW's own: the spelling each backend uses is pinned on the
//! corpus files in its tests (every value of a corpus file, read and written again, gives the
//! same text).

/// `%.{decimals}f` with the trailing zeros (and a trailing point) dropped, and `-0` as `0`:
/// REAPER's project numbers (`1`, `0.501187`, `1.08695635014794`).
pub fn fixed_trimmed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".to_string() } else { text }
}

/// `value` spelt like `original`, a number the file already holds in this place: with its
/// count of decimals when it is a fixed width that keeps trailing zeros, 6 decimals or more
/// (`1.000000`, REAPER 4), else [`fixed_trimmed`] to `decimals` (a hand-written `1.0`, as in
/// `rpp-editor__test1.rpp`, would keep one decimal and lose the value).
pub fn like(value: f64, original: &str, decimals: usize) -> String {
    match original.split_once('.') {
        Some((_, fraction))
            if fraction.len() >= 6
                && fraction.ends_with('0')
                && fraction.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let fixed = format!("{value:.prec$}", prec = fraction.len());
            if fixed.starts_with('-') && fixed[1..].bytes().all(|b| matches!(b, b'0' | b'.')) {
                fixed[1..].to_string()
            } else {
                fixed
            }
        }
        _ => fixed_trimmed(value, decimals),
    }
}

/// C's `%.{significant}g`: the shortest of fixed and exponent notation C picks (exponent when
/// it is below -4 or at least `significant`), trailing zeros dropped. Live writes `%.10g`
/// (`0.5011872053`), Ardour 7 `%.17g` of a `float` (`0.50118720531463623`).
pub fn general(value: f64, significant: usize) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    if !value.is_finite() {
        return format!("{value}");
    }
    let significant = significant.max(1);
    // The exponent after rounding to `significant` digits, as C decides it.
    let scientific = format!("{:.*e}", significant - 1, value);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= significant as i32 {
        let mantissa = trim_fraction(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        let decimals = (significant as i32 - 1 - exponent).max(0) as usize;
        trim_fraction(&format!("{value:.decimals$}")).to_string()
    }
}

fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_conversions_as_c_writes_them() {
        assert_eq!(fixed_trimmed(1.0, 14), "1");
        assert_eq!(fixed_trimmed(0.501187233627272, 6), "0.501187");
        assert_eq!(fixed_trimmed(-0.0000000001, 6), "0");
        assert_eq!(fixed_trimmed(1.273943e-7, 14), "0.0000001273943");
        assert_eq!(like(0.5, "1.000000", 6), "0.500000");
        assert_eq!(like(0.5, "1", 6), "0.5");
        assert_eq!(like(0.70794578438414, "1.0", 14), "0.70794578438414");
        assert_eq!(like(-0.0000001, "0.000000", 6), "0.000000");
        assert_eq!(general(0.5011872053, 10), "0.5011872053");
        assert_eq!(general(0.0003162277571, 10), "0.0003162277571");
        assert_eq!(general(1.0, 10), "1");
        assert_eq!(general(0.00001, 10), "1e-05");
        assert_eq!(general(123456789012.0, 10), "1.23456789e+11");
        assert_eq!(general(0.501_187_2_f32 as f64, 17), "0.50118720531463623");
        assert_eq!(general(12.024909973144531, 17), "12.024909973144531");
    }
}
