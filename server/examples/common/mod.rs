//! What the bench programs share: one line of latency figures per measurement.

use std::time::Duration;

/// Prints `label n=… min … median … p95 … max …` in milliseconds.
pub fn stats(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:<44} n={:<4} min {:>7.2} ms  median {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
        samples.len(),
        ms(samples[0]),
        ms(pick(0.5)),
        ms(pick(0.95)),
        ms(*samples.last().unwrap()),
    );
}

#[allow(dead_code)] // the auth bench fills no database
/// `<base URL> <DATABASE_URL> [count] [rounds]`, the arguments the
/// fill-then-time benches take; `usage` names the program in the panic.
pub fn args(usage: &str, default_count: usize) -> (String, String, usize, usize) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (base, db_url) = match args.as_slice() {
        [b, d, ..] => (b.clone(), d.clone()),
        _ => panic!("usage: {usage}"),
    };
    let count = args
        .get(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(default_count);
    let rounds = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(30);
    (base, db_url, count, rounds)
}
