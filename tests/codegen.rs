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

fn label_of(reading: &Reading<Coord>) -> &str {
    match reading {
        Reading::Series { label, .. } => label,
        _ => panic!("a series"),
    }
}

fn points_of(reading: &Reading<Coord>) -> f64 {
    match reading {
        Reading::Series { values, .. } => values[1].z,
        _ => panic!("a series"),
    }
}

/// The second file every reader reads, for enums with data, and its line.
fn everything_file(dir: &Path) -> (std::path::PathBuf, String) {
    let path = dir.join("everything.mmf");
    let value = everything();
    drop(MappedFileMut::create(&path, &value).unwrap());
    let Shape::Label(label) = &value.shapes[2] else { panic!("shapes[2] is a label") };
    let Shape::Path { name, points, .. } = &value.shape else { panic!("shape is a path") };
    let Some(Marker::Peak { height, .. }) = value.marker else { panic!("marker is a peak") };
    let line = format!(
        "shapes={} label={label} path={name} points={} z={} peak={height} boxed={} x={} lon={} pair={}:{} child={} series={} series_z={}",
        value.shapes.len(),
        points.len(),
        points[1].z,
        value.boxed.date,
        value.maybe_boxed.as_ref().unwrap().x,
        value.lat_lon.1,
        value.named_counts[0].0,
        value.named_counts[0].1,
        value.tree.children[0].name,
        label_of(&value.reading),
        points_of(&value.reading),
    );
    (path, line)
}

#[test]
fn a_c_program_reads_the_file() {
    let tmp = temp_dir("codegen-c");
    let dir = tmp.path();
    let (path, db) = hiking_file(dir);
    let (path2, line2) = everything_file(dir);
    std::fs::write(dir.join("hiking.h"), codegen::c_header::<HikingDatabase>()).unwrap();
    std::fs::write(dir.join("everything.h"), codegen::c_header::<Everything>()).unwrap();
    std::fs::write(dir.join("series.h"), codegen::c_header::<Series<Hike>>()).unwrap();
    std::fs::write(
        dir.join("read.c"),
        r#"#include <stdio.h>
#include <stdlib.h>
#include "hiking.h"
#include "everything.h"
#include "series.h" /* a generic struct's instantiation: Series_Hike */

static void *load(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *file = aligned_alloc(64, (*len + 63) / 64 * 64);
    if (fread(file, 1, *len, f) != (size_t)*len) exit(2);
    fclose(f);
    return file;
}

int main(int argc, char **argv) {
    (void)argc;
    long len;
    void *file = load(argv[1], &len);
    const HikingDatabase *db = HikingDatabase_root(file, len);
    if (!db) return 3;
    const Hike *hike = &HikingDatabase_hikes(file, db)[2];
    uint64_t date_len;
    const char *date = Hike_date(file, hike, &date_len);
    printf("hikes=%llu date=%.*s points=%llu z=%.17g\n",
           (unsigned long long)HikingDatabase_hikes_len(db), (int)date_len, date,
           (unsigned long long)Hike_gps_track_len(hike), Hike_gps_track(file, hike)[5].z);
    if (Everything_root(file, len) != NULL || Series_Hike_root(file, len) != NULL) return 4;

    /* Enums with data: a union of the tag and each variant's fields. */
    long len2;
    void *file2 = load(argv[2], &len2);
    const Everything *e = Everything_root(file2, len2);
    if (!e) return 5;
    const Shape *label = &Everything_shapes(file2, e)[2];
    if (label->tag != Shape_TAG_Label || e->shape.tag != Shape_TAG_Path) return 6;
    const Shape_Path *path = &e->shape.Path;
    const Coord *points = (const Coord *)mmf_vec_data(file2, path->points);
    if (e->marker.tag != 1 || e->marker.value.tag != Marker_TAG_Peak) return 7;
    /* Boxes: an offset to the value. */
    const Hike *boxed = Everything_boxed(file2, e);
    if (e->maybe_boxed.tag != 1) return 8;
    const Coord *near = (const Coord *)((const char *)file2 + e->maybe_boxed.value.offset);
    /* Tuples: structs with fields _0, _1, …. */
    const Tuple_String_u32 *pair = &Everything_named_counts(file2, e)[0];
    /* A type that contains itself, and a generic enum's instantiation. */
    const Node *child = &Node_children(file2, &e->tree)[0];
    if (e->reading.tag != Reading_Coord_TAG_Series) return 9;
    const Reading_Coord_Series *series = &e->reading.Series;
    const Coord *values = (const Coord *)mmf_vec_data(file2, series->values);
    printf("shapes=%llu label=%.*s path=%.*s points=%llu z=%.17g peak=%g boxed=%.*s x=%.17g"
           " lon=%.17g pair=%.*s:%u child=%.*s series=%.*s series_z=%.17g\n",
           (unsigned long long)Everything_shapes_len(e),
           (int)label->Label._0.len, mmf_str_data(file2, label->Label._0),
           (int)path->name.len, mmf_str_data(file2, path->name),
           (unsigned long long)path->points.len, points[1].z, e->marker.value.Peak.height,
           (int)boxed->date.len, mmf_str_data(file2, boxed->date), near->x, e->lat_lon._1,
           (int)pair->_0.len, mmf_str_data(file2, pair->_0), pair->_1,
           (int)child->name.len, mmf_str_data(file2, child->name),
           (int)series->label.len, mmf_str_data(file2, series->label), values[1].z);
    return 0;
}
"#,
    )
    .unwrap();
    let Some(_) =
        run("cc", &["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", "read", "read.c"], dir)
    else {
        return;
    };
    let args = [path.to_str().unwrap(), path2.to_str().unwrap()];
    let out = run(dir.join("read").to_str().unwrap(), &args, dir).unwrap();
    assert_same_lines(&out, &db, &line2);
}

/// Compares the reader's two lines with the expected ones; numbers as
/// numbers, since languages print the same double differently.
fn assert_same_lines(out: &str, db: &HikingDatabase, everything: &str) {
    let lines: Vec<&str> = out.trim().lines().collect();
    assert_eq!(lines.len(), 2, "two lines expected:\n{out}");
    for (line, expected) in lines.iter().zip([expected(db), everything.to_owned()]) {
        let (got, want): (Vec<&str>, Vec<&str>) =
            (line.split(' ').collect(), expected.split(' ').collect());
        assert_eq!(got.len(), want.len(), "{line} / {expected}");
        for (a, b) in got.iter().zip(&want) {
            let number = |s: &str| s.split_once('=').and_then(|(_, v)| v.parse::<f64>().ok());
            match (number(a), number(b)) {
                (Some(x), Some(y)) => assert_eq!(x, y, "{line} / {expected}"),
                _ => assert_eq!(a, b, "{line} / {expected}"),
            }
        }
    }
}

#[test]
fn a_csharp_program_reads_the_file() {
    let tmp = temp_dir("codegen-csharp");
    let dir = tmp.path();
    let (path, db) = hiking_file(dir);
    let (path2, line2) = everything_file(dir);
    std::fs::write(dir.join("Hiking.cs"), codegen::csharp::<HikingDatabase>()).unwrap();
    let everything = codegen::csharp::<Everything>()
        .replace("namespace Mmf.Generated", "namespace Mmf.Everything");
    std::fs::write(dir.join("Everything.cs"), everything).unwrap();
    let series = codegen::csharp::<Series<Hike>>()
        .replace("namespace Mmf.Generated", "namespace Mmf.Series");
    std::fs::write(dir.join("Series.cs"), series).unwrap();
    std::fs::write(
        dir.join("Program.cs"),
        r#"using System;
using Mmf.Generated;

class Program
{
    static void Main(string[] args)
    {
        Mmf.Everything.MmfFile.CheckLayouts();
        Mmf.Series.MmfFile.CheckLayouts(); // Series_Hike, a generic struct's instantiation
        using (var file = new MmfFile(args[0]))
        {
            var db = file.Root();
            var hike = file.Element<Hike>(db.hikes, 2);
            var point = file.Element<Coord>(hike.gps_track, 5);
            Console.WriteLine("hikes={0} date={1} points={2} z={3}", db.hikes.Len, file.Text(hike.date),
                hike.gps_track.Len, point.z.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }
        // Enums with data: the tag and each variant's fields at offset 0.
        using (var file = new Mmf.Everything.MmfFile(args[1]))
        {
            var e = file.Root();
            var label = file.Element<Mmf.Everything.Shape>(e.shapes, 2);
            Check(label.Tag == Mmf.Everything.Shape.TagLabel && e.shape.Tag == Mmf.Everything.Shape.TagPath);
            var path = e.shape.Path;
            var point = file.Element<Mmf.Everything.Coord>(path.points, 1);
            Check(e.marker.Tag == 1 && e.marker.value.Tag == Mmf.Everything.Marker.TagPeak);
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            var boxed = file.Deref<Mmf.Everything.Hike>(e.boxed);
            Check(e.maybe_boxed.Tag == 1);
            var near = file.Deref<Mmf.Everything.Coord>(e.maybe_boxed.value);
            var pair = file.Element<Mmf.Everything.Tuple_String_u32>(e.named_counts, 0);
            var child = file.Element<Mmf.Everything.Node>(e.tree.children, 0);
            Check(e.reading.Tag == Mmf.Everything.Reading_Coord.TagSeries);
            var value = file.Element<Mmf.Everything.Coord>(e.reading.Series.values, 1);
            Console.WriteLine("shapes={0} label={1} path={2} points={3} z={4} peak={5} boxed={6} x={7} lon={8} pair={9}:{10} child={11} series={12} series_z={13}",
                e.shapes.Len, file.Text(label.Label._0), file.Text(path.name), path.points.Len,
                point.z.ToString("R", inv), e.marker.value.Peak.height.ToString("R", inv),
                file.Text(boxed.date), near.x.ToString("R", inv), e.lat_lon._1.ToString("R", inv),
                file.Text(pair._0), pair._1, file.Text(child.name), file.Text(e.reading.Series.label),
                value.z.ToString("R", inv));
        }
    }

    static void Check(bool ok)
    {
        if (!ok) throw new Exception("unexpected variant");
    }
}
"#,
    )
    .unwrap();
    let Some(_) = run(
        "mcs",
        &["-warnaserror", "-out:read.exe", "Hiking.cs", "Everything.cs", "Series.cs", "Program.cs"],
        dir,
    ) else {
        return;
    };
    let args = ["read.exe", path.to_str().unwrap(), path2.to_str().unwrap()];
    let Some(out) = run("mono", &args, dir) else { return };
    assert_same_lines(&out, &db, &line2);
}

#[test]
fn a_python_program_reads_the_file() {
    let tmp = temp_dir("codegen-python");
    let dir = tmp.path();
    let (path, db) = hiking_file(dir);
    let (path2, line2) = everything_file(dir);
    std::fs::write(dir.join("hiking_mmf.py"), codegen::python::<HikingDatabase>()).unwrap();
    std::fs::write(dir.join("everything_mmf.py"), codegen::python::<Everything>()).unwrap();
    std::fs::write(dir.join("series_mmf.py"), codegen::python::<Series<Hike>>()).unwrap();
    std::fs::write(
        dir.join("read.py"),
        r#"import os
import sys
import everything_mmf as ev  # its layout assertions run at import
import series_mmf  # a generic struct's instantiation: Series_Hike
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

# Enums with data: a ctypes.Union of the tag and each variant's fields.
e_file = ev.MmfFile(sys.argv[2])
e = e_file.root()
label = e_file.element(ev.Shape, e.shapes, 2)
assert label.tag == ev.Shape.TAG_Label and e.shape.tag == ev.Shape.TAG_Path
path = e.shape.Path
point = e_file.element(ev.Coord, path.points, 1)
assert e.marker.tag == 1 and e.marker.value.tag == ev.Marker.TAG_Peak
boxed = e_file.deref(ev.Hike, e.boxed)
assert e.maybe_boxed.tag == 1
near = e_file.deref(ev.Coord, e.maybe_boxed.value)
pair = e_file.element(ev.Tuple_String_u32, e.named_counts, 0)
child = e_file.element(ev.Node, e.tree.children, 0)
assert e.reading.tag == ev.Reading_Coord.TAG_Series
value = e_file.element(ev.Coord, e.reading.Series.values, 1)
print("shapes=%d label=%s path=%s points=%d z=%r peak=%r boxed=%s x=%r lon=%r pair=%s:%d child=%s series=%s series_z=%r" % (
    e.shapes.len, e_file.text(label.Label._0), e_file.text(path.name), path.points.len, point.z,
    e.marker.value.Peak.height, e_file.text(boxed.date), near.x, e.lat_lon._1,
    e_file.text(pair._0), pair._1, e_file.text(child.name), e_file.text(e.reading.Series.label),
    value.z))
"#,
    )
    .unwrap();
    let args = ["read.py", path.to_str().unwrap(), path2.to_str().unwrap()];
    let Some(out) = run("python3", &args, dir) else { return };
    assert_same_lines(&out, &db, &line2);
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
