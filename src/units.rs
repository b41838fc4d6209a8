//! Units shared by the whole crate.
//!
//! Simulated time is an integer count of microseconds. Data sizes are GB (10^9 bytes) and link
//! speeds Gbps (10^9 bits per second), as the trace and scenario formats define them.

/// Simulated time or a duration, in microseconds.
pub type Micros = u64;

/// Microseconds in one second.
pub const MICROS_PER_S: u64 = 1_000_000;

/// Seconds in one hour.
pub const SECONDS_PER_HOUR: f64 = 3600.0;

/// Hours in the billing month that AWS uses for per-month prices (730 h).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Bits in one GB (8 × 10^9).
pub const BITS_PER_GB: f64 = 8e9;

/// Converts seconds to microseconds, rounding to the nearest microsecond.
///
/// Negative and non-finite inputs are the caller's to reject; this saturates them to 0.
pub fn secs_to_micros(seconds: f64) -> Micros {
    if seconds.is_finite() && seconds > 0.0 {
        (seconds * MICROS_PER_S as f64).round() as Micros
    } else {
        0
    }
}

/// Converts microseconds to seconds.
pub fn micros_to_secs(micros: Micros) -> f64 {
    micros as f64 / MICROS_PER_S as f64
}

/// Converts a duration in microseconds to hours.
pub fn micros_to_hours(micros: Micros) -> f64 {
    micros_to_secs(micros) / SECONDS_PER_HOUR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_trip() {
        assert_eq!(secs_to_micros(800.0), 800_000_000);
        assert_eq!(secs_to_micros(0.0000004), 0);
        assert_eq!(secs_to_micros(0.0000006), 1);
        assert_eq!(secs_to_micros(-3.0), 0);
        assert_eq!(secs_to_micros(f64::NAN), 0);
        assert_eq!(micros_to_secs(1_500_000), 1.5);
    }
}
