//! Generated readers in C, C# and Python, compiled and run on files written
//! here; each prints values the test compares with the Rust side. A missing
//! toolchain skips its part with a printed reason (CI installs them all).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use mmf::{MappedFileMut, codegen};

/// Runs a command; `None` (with the reason printed) if the program is missing.
fn run(program: &str, args: &[&str], dir: &Path) -> Option<String> {
    let output = match Command::new(program).args(args).current_dir(dir).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // CI installs every toolchain and sets this, so it never skips.
            if std::env::var_os("MMF_REQUIRE_TOOLCHAINS").is_some() {
                panic!("`{program}` is not installed, and MMF_REQUIRE_TOOLCHAINS is set");
            }
            println!("skipped: `{program}` is not installed");
            return None;
        }
        Err(e) => panic!("cannot run {program}: {e}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(stdout)
}

/// The file every reader reads, and the line each must print about it.
fn hiking_file(dir: &Path) -> (std::path::PathBuf, HikingDatabase) {
    let path = dir.join("hikes.mmf");
    let mut db = database(4, 6);
    db.hikes[2].gps_track[5].z = 1234.0625;
    db.hikes[2].date = "2024-07-14 Säntis".into();
    drop(MappedFileMut::create(&path, &db).unwrap());
    (path, db)
}

fn expected(db: &HikingDatabase) -> String {
    let hike = &db.hikes[2];
    format!(
        "hikes={} date={} points={} z={}",
        db.hikes.len(),
        hike.date,
        hike.gps_track.len(),
        hike.gps_track[5].z
    )
}

#[test]
fn a_c_program_reads_the_file() {
    let tmp = temp_dir("codegen-c");
    let dir = tmp.path();
    let (path, db) = hiking_file(dir);
    std::fs::write(dir.join("hiking.h"), codegen::c_header::<HikingDatabase>()).unwrap();
    std::fs::write(dir.join("everything.h"), codegen::c_header::<Everything>()).unwrap();
    std::fs::write(
        dir.join("read.c"),
        r#"#include <stdio.h>
#include <stdlib.h>
#include "hiking.h"
#include "everything.h"

int main(int argc, char **argv) {
    (void)argc;
    FILE *f = fopen(argv[1], "rb");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *file = aligned_alloc(64, (len + 63) / 64 * 64);
    if (fread(file, 1, len, f) != (size_t)len) return 2;
    const HikingDatabase *db = HikingDatabase_root(file, len);
    if (!db) return 3;
    const Hike *hike = &HikingDatabase_hikes(file, db)[2];
    uint64_t date_len;
    const char *date = Hike_date(file, hike, &date_len);
    printf("hikes=%llu date=%.*s points=%llu z=%.17g\n",
           (unsigned long long)HikingDatabase_hikes_len(db), (int)date_len, date,
           (unsigned long long)Hike_gps_track_len(hike), Hike_gps_track(file, hike)[5].z);
    /* The other header only has to compile, its assertions included. */
    return Everything_root(file, len) == NULL ? 0 : 4;
}
"#,
    )
    .unwrap();
    let Some(_) =
        run("cc", &["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", "read", "read.c"], dir)
    else {
        return;
    };
    let out = run(dir.join("read").to_str().unwrap(), &[path.to_str().unwrap()], dir).unwrap();
    assert_same_line(&out, &db);
}

/// Compares the reader's line with the expected one; `z` as a number, since
/// languages print the same double differently.
fn assert_same_line(out: &str, db: &HikingDatabase) {
    let (line, z) = out.trim().rsplit_once(" z=").expect("a line ending in z=…");
    let (expected_line, expected_z) =
        expected(db).rsplit_once(" z=").map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap();
    assert_eq!(line, expected_line);
    assert_eq!(z.parse::<f64>().unwrap(), expected_z.parse::<f64>().unwrap());
}

#[test]
fn a_csharp_program_reads_the_file() {
    let tmp = temp_dir("codegen-csharp");
    let dir = tmp.path();
    let (path, db) = hiking_file(dir);
    std::fs::write(dir.join("Hiking.cs"), codegen::csharp::<HikingDatabase>()).unwrap();
    let everything = codegen::csharp::<Everything>()
        .replace("namespace Mmf.Generated", "namespace Mmf.Everything");
    std::fs::write(dir.join("Everything.cs"), everything).unwrap();
    std::fs::write(
        dir.join("Program.cs"),
        r#"using System;
using Mmf.Generated;

class Program
{
    static void Main(string[] args)
    {
        Mmf.Everything.MmfFile.CheckLayouts();
        using (var file = new MmfFile(args[0]))
        {
            var db = file.Root();
            var hike = file.Element<Hike>(db.hikes, 2);
            var point = file.Element<Coord>(hike.gps_track, 5);
            Console.WriteLine("hikes={0} date={1} points={2} z={3}", db.hikes.Len, file.Text(hike.date),
                hike.gps_track.Len, point.z.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
"#,
    )
    .unwrap();
    let Some(_) = run(
        "mcs",
        &["-warnaserror", "-out:read.exe", "Hiking.cs", "Everything.cs", "Program.cs"],
        dir,
    ) else {
        return;
    };
    let Some(out) = run("mono", &["read.exe", path.to_str().unwrap()], dir) else { return };
    assert_same_line(&out, &db);
}

#[test]
fn a_python_program_reads_the_file() {
    let tmp = temp_dir("codegen-python");
    let dir = tmp.path();
    let (path, db) = hiking_file(dir);
    std::fs::write(dir.join("hiking_mmf.py"), codegen::python::<HikingDatabase>()).unwrap();
    std::fs::write(dir.join("everything_mmf.py"), codegen::python::<Everything>()).unwrap();
    std::fs::write(
        dir.join("read.py"),
        r#"import os
import sys
import everything_mmf  # its layout assertions run at import
import hiking_mmf as h

f = h.MmfFile(sys.argv[1])
db = f.root()
hike = f.element(h.Hike, db.hikes, 2)
point = f.element(h.Coord, hike.gps_track, 5)
print("hikes=%d date=%s points=%d z=%r" % (db.hikes.len, f.text(hike.date), hike.gps_track.len, point.z))
if h.numpy is not None:
    track = f.array(h.Coord_dtype, hike.gps_track)
    assert track["z"][5] == point.z and len(track) == hike.gps_track.len
    print("numpy: checked", file=sys.stderr)
elif os.environ.get("MMF_REQUIRE_TOOLCHAINS"):
    sys.exit("numpy is not installed, and MMF_REQUIRE_TOOLCHAINS is set")
else:
    print("numpy is not installed: dtypes not checked", file=sys.stderr)
"#,
    )
    .unwrap();
    let Some(out) = run("python3", &["read.py", path.to_str().unwrap()], dir) else { return };
    assert_same_line(&out, &db);
}

#[test]
fn the_cli_generates_the_same_code_from_the_embedded_schema() {
    let schema =
        mmf::DynLayout::decode(&mmf::schema::encode(<Everything as mmf::Mapped>::LAYOUT)).unwrap();
    let hash = <Everything as mmf::Mapped>::SCHEMA_HASH;
    assert_eq!(codegen::c_header_from(&schema, hash), codegen::c_header::<Everything>());
    assert_eq!(codegen::csharp_from(&schema, hash), codegen::csharp::<Everything>());
    assert_eq!(codegen::python_from(&schema, hash), codegen::python::<Everything>());
    assert!(
        codegen::c_header::<Everything>()
            .contains(&format!("{:#018x}", <Everything as mmf::Mapped>::SCHEMA_HASH))
    );
}
