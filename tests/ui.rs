//! Compile errors of `#[derive(Mapped)]`: each unsupported input is refused on
//! its own span with a message that says what to use instead.
//!
//! The `.stderr` snapshots are made with one toolchain (the one named below);
//! compiler output differs between versions, so other toolchains skip this test
//! with a note. Regenerate with `TRYBUILD=overwrite cargo test --test ui`.

const SNAPSHOT_TOOLCHAIN: &str = "rustc 1.95.";

#[test]
#[cfg_attr(miri, ignore = "compiles programs")]
fn ui() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !version.starts_with(SNAPSHOT_TOOLCHAIN) {
        eprintln!(
            "skipped: the UI snapshots are made with {SNAPSHOT_TOOLCHAIN}x, this is {version}"
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}
