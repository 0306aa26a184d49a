//! The `mmf` binary on files written by mmf, and on broken ones.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, PoisonError};

use mmf::{Mapped, MappedFileMut};

#[derive(Mapped, Debug, Clone, PartialEq)]
struct Coord {
    x: f64,
    y: f64,
    z: f64,
}

#[derive(Mapped, Debug, Clone, Copy, PartialEq)]
#[repr(u8)]
enum Difficulty {
    Easy = 1,
    Hard = 7,
}

#[derive(Mapped, Debug, Clone, PartialEq)]
struct Hike {
    date: String,
    difficulty: Difficulty,
    summit: Option<u16>,
    gps_track: Vec<Coord>,
}

#[derive(Mapped, Debug, Clone, PartialEq)]
struct HikingDatabase {
    description: String,
    hikes: Vec<Hike>,
}

fn database() -> HikingDatabase {
    let hike = |i: usize| Hike {
        date: format!("2024-06-{:02}", i + 1),
        difficulty: if i.is_multiple_of(2) { Difficulty::Easy } else { Difficulty::Hard },
        summit: (!i.is_multiple_of(2)).then_some(2000 + i as u16),
        gps_track: (0..5)
            .map(|j| Coord { x: j as f64, y: i as f64, z: 500.5 + j as f64 })
            .collect(),
    };
    HikingDatabase { description: "Alps \"2024\"".into(), hikes: (0..3).map(hike).collect() }
}

/// Held while a test holds a file's lock and while one starts a process: a
/// child holds copies of the parent's open files, with their locks, until it
/// has started the new program, so a file created while another test starts
/// `mmf` could still look locked to `mmf`.
static LOCKS_OR_SPAWN: Mutex<()> = Mutex::new(());

/// A file holding `database()` in a directory removed when the first is dropped.
fn file(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let _guard = LOCKS_OR_SPAWN.lock().unwrap_or_else(PoisonError::into_inner);
    drop(MappedFileMut::create(&path, &database()).unwrap());
    (dir, path)
}

/// Runs `mmf COMMAND… FILE ARGS…`.
fn mmf(command: &[&str], path: &Path) -> Output {
    mmf_then(command, path, &[])
}

fn mmf_then(command: &[&str], path: &Path, args: &[&str]) -> Output {
    let mut mmf = Command::new(env!("CARGO_BIN_EXE_mmf"));
    mmf.args(command).arg(path).args(args);
    run(mmf)
}

/// Starts `command`, not while a test holds a file's lock, and waits for it.
fn run(mut command: Command) -> Output {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = {
        let _guard = LOCKS_OR_SPAWN.lock().unwrap_or_else(PoisonError::into_inner);
        command.spawn().unwrap()
    };
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn info_shows_the_header_and_the_root_type() {
    let (_dir, path) = file("info.mmf");
    let out = stdout(&mmf(&["info"], &path));
    assert!(out.contains("root type     HikingDatabase (32 bytes, aligned to 8)"), "{out}");
    assert!(out.contains(&format!("schema hash   {:#018x}", HikingDatabase::SCHEMA_HASH)), "{out}");
    assert!(out.contains("format        version 1, little-endian"), "{out}");
    assert!(out.contains("generation    0"), "{out}");
}

#[test]
fn schema_shows_declarations_with_offsets_and_padding() {
    let (_dir, path) = file("schema.mmf");
    let out = stdout(&mmf(&["schema"], &path));
    assert!(out.starts_with("// root: HikingDatabase (32 bytes, aligned to 8)"), "{out}");
    assert!(out.contains("struct Hike {"), "{out}");
    assert!(out.contains("summit: Option<u16>,"), "{out}");
    assert!(
        out.contains("difficulty: Difficulty,                  // offset 16, 1 byte\n"),
        "{out}"
    );
    assert!(out.contains("    // 1 byte of padding at offset 17\n"), "{out}");
    assert!(out.contains("    // 2 bytes of padding at offset 22\n"), "{out}");
    assert!(
        out.contains("#[repr(u8)] // 1 byte\nenum Difficulty {\n    Easy = 1,\n    Hard = 7,\n}"),
        "{out}"
    );
}

/// A tuple struct, for `mmf schema`.
#[derive(Mapped, Debug, Clone, PartialEq)]
struct LatLon(u8, f64);

#[test]
fn schema_shows_tuple_structs_as_rust_declares_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pair.mmf");
    {
        let _guard = LOCKS_OR_SPAWN.lock().unwrap_or_else(PoisonError::into_inner);
        drop(MappedFileMut::create(&path, &LatLon(7, 46.5)).unwrap());
    }
    let out = stdout(&mmf(&["schema"], &path));
    assert!(out.contains("struct LatLon(\n    u8,"), "{out}");
    assert!(out.contains("    // 7 bytes of padding at offset 1\n    f64,"), "{out}");
    assert!(out.trim_end().ends_with(");"), "{out}");
}

#[test]
fn verify_exits_with_the_error_of_a_broken_file() {
    let (_dir, path) = file("verify.mmf");
    let out = stdout(&mmf(&["verify"], &path));
    assert!(
        out.ends_with("valid HikingDatabase (") || out.contains(": valid HikingDatabase ("),
        "{out}"
    );

    // Point hikes[1].date past the end of the file.
    let mut bytes = std::fs::read(&path).unwrap();
    let aligned = mmf::AlignedBytes::from_slice(&bytes);
    let view = mmf::from_bytes::<HikingDatabase>(&aligned).unwrap();
    let date_len_at = view.raw().unwrap().hikes.offset as usize + size_of::<HikeRaw>() + 8;
    bytes[date_len_at..date_len_at + 8].copy_from_slice(&1_000_000u64.to_ne_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let output = mmf(&["verify"], &path);
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.starts_with("mmf: hikes[1].date: block at offset"), "{err}");
}

#[test]
fn info_fails_on_a_file_its_header_shows_broken() {
    let (_dir, path) = file("cut.mmf");
    let bytes = std::fs::read(&path).unwrap();
    // Cut off the end, where the embedded schema lies.
    std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    let output = mmf(&["info"], &path);
    assert_eq!(output.status.code(), Some(1));
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("root type     (the embedded schema cannot be read)"), "{out}");
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.starts_with("mmf: header field `data_len` at offset 32:"), "{err}");

    // A schema that does not hash to the header's value.
    let mut bytes = bytes.clone();
    let header = mmf::Header::read(&bytes).unwrap();
    bytes[header.schema_offset as usize + 40] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let output = mmf(&["info"], &path);
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.starts_with("mmf: embedded schema at offset"), "{err}");
}

#[test]
fn dump_writes_text_and_json() {
    let (_dir, path) = file("dump.mmf");
    let text = stdout(&mmf(&["dump", "--limit", "2"], &path));
    assert!(
        text.starts_with(
            "HikingDatabase {\n  description: \"Alps \\\"2024\\\"\",\n  hikes: [\n    Hike {"
        ),
        "{text}"
    );
    assert!(text.contains("difficulty: Hard,"), "{text}");
    assert!(text.contains("summit: Some(2001),"), "{text}");
    assert!(text.contains("… 3 more"), "{text}");
    assert!(text.contains("… 1 more"), "{text}");

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&mmf(&["dump", "--json"], &path))).unwrap();
    let db = database();
    assert_eq!(json["description"], db.description);
    assert_eq!(json["hikes"][1]["difficulty"], "Hard");
    assert_eq!(json["hikes"][0]["summit"], serde_json::Value::Null);
    assert_eq!(json["hikes"][2]["gps_track"][4]["z"], db.hikes[2].gps_track[4].z);

    // A cut list says how much was left out.
    let cut: serde_json::Value =
        serde_json::from_str(&stdout(&mmf_then(&["dump"], &path, &["--json", "--limit", "2"])))
            .unwrap();
    assert_eq!(cut["hikes"]["omitted"], 1);
    assert_eq!(cut["hikes"]["items"].as_array().unwrap().len(), 2);
    assert_eq!(cut["hikes"]["items"][0]["gps_track"]["omitted"], 3);
    assert_eq!(cut["hikes"]["items"][0]["gps_track"]["items"][1]["x"], 1.0);
    let exact: serde_json::Value =
        serde_json::from_str(&stdout(&mmf_then(&["dump"], &path, &["--json", "--limit", "5"])))
            .unwrap();
    assert_eq!(exact["hikes"].as_array().unwrap().len(), 3, "nothing cut, nothing marked");

    let part = stdout(&mmf_then(&["dump"], &path, &["hikes[1].gps_track[3]", "--json"]));
    assert_eq!(part.trim(), r#"{"x":3.0,"y":1.0,"z":503.5}"#);
    let missing = mmf_then(&["dump"], &path, &["hikes[9]"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no `[9]` after `hikes`"));
}

#[test]
fn codegen_writes_what_the_library_generates() {
    let (_dir, path) = file("codegen.mmf");
    assert_eq!(
        stdout(&mmf(&["codegen", "--lang", "c"], &path)),
        mmf::codegen::c_header::<HikingDatabase>()
    );
    assert_eq!(
        stdout(&mmf(&["codegen", "--lang", "csharp"], &path)),
        mmf::codegen::csharp::<HikingDatabase>()
    );
    assert_eq!(
        stdout(&mmf(&["codegen", "--lang", "python"], &path)),
        mmf::codegen::python::<HikingDatabase>()
    );
}

#[test]
fn every_command_has_help() {
    for command in ["info", "schema", "diff", "compat", "upgrade", "verify", "dump", "codegen"] {
        let mut help = Command::new(env!("CARGO_BIN_EXE_mmf"));
        help.args([command, "--help"]);
        let help = stdout(&run(help));
        assert!(help.contains("Usage: mmf"), "{command}: {help}");
    }
    let mut info = Command::new(env!("CARGO_BIN_EXE_mmf"));
    info.args(["info", "/nonexistent.mmf"]);
    let output = run(info);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).starts_with("mmf: cannot open `/nonexistent.mmf`")
    );
}

/// The hiking types of a later program: `Coord` gained a field, `Difficulty`
/// a variant, and `summit` became a `u32`.
mod later {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Coord {
        pub x: f64,
        pub y: f64,
        pub z: f64,
        pub t: u64,
    }

    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Difficulty {
        Easy = 1,
        Medium = 4,
        Hard = 7,
        #[mmf(other)]
        Unknown = 9,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Hike {
        #[mmf(renamed_from = "date")]
        pub day: String,
        pub difficulty: Difficulty,
        pub summit: Option<u32>,
        pub gps_track: Vec<Coord>,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct HikingDatabase {
        pub description: String,
        pub hikes: Vec<Hike>,
    }
}

#[test]
fn diff_lists_what_changed_between_files_and_saved_schemas() {
    let (dir, old) = file("old.mmf");
    let new = dir.path().join("new.mmf");
    {
        let _guard = LOCKS_OR_SPAWN.lock().unwrap_or_else(PoisonError::into_inner);
        let db = later::HikingDatabase { description: "Alps".into(), hikes: Vec::new() };
        drop(MappedFileMut::create(&new, &db).unwrap());
    }
    // Keep the old schema, as a project would in its repository.
    let saved = dir.path().join("hikes.v1.mmfs");
    let mut schema = Command::new(env!("CARGO_BIN_EXE_mmf"));
    schema.args(["schema", "--binary"]).arg(&old);
    let bytes = run(schema).stdout;
    assert!(bytes.starts_with(b"MMFS"));
    std::fs::write(&saved, &bytes).unwrap();

    let mut diff = Command::new(env!("CARGO_BIN_EXE_mmf"));
    diff.arg("diff").arg(&saved).arg(&new);
    let output = run(diff);
    assert_eq!(output.status.code(), Some(1));
    let (a, b) = (saved.display(), new.display());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!(
            "hikes[_].day: renamed: `date` in {a}, `day` in {b}\n\
             hikes[_].difficulty: variant `Medium` is new in {b}\n\
             hikes[_].difficulty: variant `Unknown` is new in {b}\n\
             hikes[_].summit?: u16 in {a}, u32 in {b}\n\
             hikes[_].gps_track[_].t: u64, new in {b}: {a} lacks it\n"
        )
    );
    // The new file's schema shows the earlier name, as its notes hold it.
    let out = stdout(&mmf(&["schema"], &new));
    assert!(out.contains("    #[mmf(renamed_from = \"date\")]\n    day: String,"), "{out}");
    assert!(out.contains("    #[mmf(other)]\n    Unknown = 9,"), "{out}");

    let mut same = Command::new(env!("CARGO_BIN_EXE_mmf"));
    same.arg("diff").arg(&old).arg(&saved);
    let output = run(same);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("same schema (0x"));
}

#[test]
fn compat_says_per_direction_which_program_reads_which_files() {
    let (dir, old) = file("old.mmf");
    let new = dir.path().join("new.mmf");
    {
        let _guard = LOCKS_OR_SPAWN.lock().unwrap_or_else(PoisonError::into_inner);
        let db = later::HikingDatabase { description: "Alps".into(), hikes: Vec::new() };
        drop(MappedFileMut::create(&new, &db).unwrap());
    }
    let mut compat = Command::new(env!("CARGO_BIN_EXE_mmf"));
    compat.arg("compat").arg(&old).arg(&new);
    let output = run(compat);
    assert_eq!(output.status.code(), Some(1), "the old program cannot read new files");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "old files in the new program: yes\n\
         new files in the old program: no\n  \
         - hikes[_].summit?: the file stores `u32`, this program reads `u16` (a number can only widen, as a struct's field, to a type that holds all its values)\n\
         differences:\n  \
         - hikes[_].day: renamed: `date` in old, `day` in new\n  \
         - hikes[_].difficulty: variant `Medium` is new in new\n  \
         - hikes[_].difficulty: variant `Unknown` is new in new\n  \
         - hikes[_].summit?: u16 in old, u32 in new\n  \
         - hikes[_].gps_track[_].t: u64, new in new: old lacks it\n"
    );
    let mut same = Command::new(env!("CARGO_BIN_EXE_mmf"));
    same.arg("compat").arg(&new).arg(&new);
    let output = run(same);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "old files in the new program: yes\nnew files in the old program: yes\nno differences\n"
    );
}

#[test]
fn upgrade_rewrites_a_file_in_the_layout_of_a_saved_schema() {
    let (dir, old) = file("old.mmf");
    let typed = dir.path().join("typed.mmf");
    std::fs::copy(&old, &typed).unwrap();
    let new = dir.path().join("new.mmf");
    {
        let _guard = LOCKS_OR_SPAWN.lock().unwrap_or_else(PoisonError::into_inner);
        let db = later::HikingDatabase { description: "Alps".into(), hikes: Vec::new() };
        drop(MappedFileMut::create(&new, &db).unwrap());
    }
    let saved = dir.path().join("hikes.v2.mmfs");
    std::fs::write(&saved, mmf(&["schema", "--binary"], &new).stdout).unwrap();

    // The newer schema cannot be downgraded to: `summit` would narrow.
    let refused = mmf_then(&["upgrade"], &new, &["--to", old.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8(refused.stderr).unwrap();
    assert!(
        err.starts_with("mmf: the file's `HikingDatabase` cannot be rewritten as the schema's `HikingDatabase`: hikes[_].summit?: the file stores `u32`"),
        "{err}"
    );

    let out = stdout(&mmf_then(&["upgrade"], &old, &["--to", saved.to_str().unwrap()]));
    assert!(out.contains("rewritten in the layout of"), "{out}");
    // What the newer program's own upgrade writes, byte for byte.
    assert!(mmf::upgrade::<later::HikingDatabase>(&typed).unwrap());
    assert_eq!(std::fs::read(&old).unwrap(), std::fs::read(&typed).unwrap());
    let file = mmf::MappedFile::<later::HikingDatabase>::open(&old).unwrap();
    assert!(!file.is_other_version());
    assert_eq!(file.root().hikes().get(1).unwrap().day(), "2024-06-02");
    drop(file);
    let again = stdout(&mmf_then(&["upgrade"], &old, &["--to", saved.to_str().unwrap()]));
    assert!(again.contains("already has the layout of"), "{again}");
}
