//! Checks of the command line's numbers, run by clap as each option is parsed (`value_parser`).
//!
//! Clap names the option and the value; each message here says the allowed range, so a refused
//! value reads: "invalid value '0' for '--batch-size <BATCH_SIZE>': must be a whole number, at
//! least 1".

/// A count that must be at least 1: batch size, factors, patience, hidden widths, neighbours,
/// held-out users, `--top`.
pub fn positive_usize(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("must be a whole number, at least 1".into()),
    }
}

/// A count where 0 is meaningful (`--epochs 0`: the fold-in model's start, not fine-tuned).
pub fn whole_number(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .map_err(|_| "must be a whole number, 0 or more".into())
}

/// A finite number above 0: learning rate, half-life in days.
pub fn positive_finite_f64(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err("must be a finite number greater than 0".into()),
    }
}

/// A finite number of at least 0: L2 weight.
pub fn non_negative_finite_f64(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err("must be a finite number, 0 or more".into()),
    }
}

/// A probability in [0, 1): dropout (1 would drop every input).
pub fn probability(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if (0.0..1.0).contains(&p) => Ok(p),
        _ => Err("must be a number at least 0 and below 1".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(positive_usize("1"), Ok(1));
        assert_eq!(positive_usize(" 64 "), Ok(64));
        for bad in ["0", "-1", "1.5", "", "x", "99999999999999999999999"] {
            assert_eq!(
                positive_usize(bad),
                Err("must be a whole number, at least 1".to_string()),
                "{bad:?}"
            );
        }
        assert_eq!(whole_number("0"), Ok(0));
        assert_eq!(whole_number("40"), Ok(40));
        assert!(whole_number("-1").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(positive_finite_f64("1e-4"), Ok(1e-4));
        for bad in ["0", "-1", "NaN", "nan", "inf", "-inf", "1e400", "", "x"] {
            assert!(positive_finite_f64(bad).is_err(), "{bad:?}");
        }
        assert_eq!(non_negative_finite_f64("0"), Ok(0.0));
        assert_eq!(non_negative_finite_f64("0.05"), Ok(0.05));
        for bad in ["-5", "NaN", "inf", "x"] {
            assert!(non_negative_finite_f64(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn probabilities() {
        assert_eq!(probability("0"), Ok(0.0));
        assert_eq!(probability("0.5"), Ok(0.5));
        for bad in ["1", "1.5", "-0.5", "NaN", "inf", "x"] {
            assert_eq!(
                probability(bad),
                Err("must be a number at least 0 and below 1".to_string()),
                "{bad:?}"
            );
        }
    }
}
