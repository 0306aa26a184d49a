//! Schema evolution: files written by one version of the types, read by
//! another, both ways, zero-copy.

mod common;

use common::{atlas_v1, atlas_v2, forest_v1, forest_v2, journal_v1, journal_v2};
use mmf::{Error, Mapped, MappedFile, MappedFileMut, SharedWriter};
use proptest::prelude::*;

/// The first version of a program's types.
mod v1 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Coord {
        pub x: f64,
        pub y: f64,
        pub z: f32,
    }

    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Difficulty {
        Easy,
        Hard,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Hike {
        pub title: String,
        pub year: u16,
        pub difficulty: Difficulty,
        pub track: Vec<Coord>,
        pub start: Option<Coord>,
        pub summit: Box<Coord>,
        pub obsolete: u32,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Book {
        pub owner: String,
        pub hikes: Vec<Hike>,
    }
}

/// The second version: fields added (with and without defaults), one removed,
/// one renamed, one widened, and a variant added.
mod v2 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Coord {
        pub t: u64,
        pub x: f64,
        pub y: f64,
        pub z: f64,
    }

    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Difficulty {
        Easy,
        Medium,
        Hard,
        #[mmf(other)]
        Unknown,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Hike {
        #[mmf(renamed_from = "title")]
        pub name: String,
        pub year: u32,
        pub difficulty: Difficulty,
        pub track: Vec<Coord>,
        pub start: Option<Coord>,
        pub summit: Box<Coord>,
        #[mmf(default = String::from("Switzerland"))]
        pub country: String,
        pub tags: Vec<String>,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Book {
        pub owner: String,
        pub hikes: Vec<Hike>,
    }
}

fn coord(i: usize) -> v1::Coord {
    v1::Coord { x: i as f64, y: i as f64 * 2.0, z: i as f32 / 2.0 }
}

fn old_book() -> v1::Book {
    let hike = |i: usize| v1::Hike {
        title: format!("Hike {i}"),
        year: 2000 + i as u16,
        difficulty: if i.is_multiple_of(2) { v1::Difficulty::Easy } else { v1::Difficulty::Hard },
        track: (0..5 + i).map(coord).collect(),
        start: (i % 2 == 1).then(|| coord(100 + i)),
        summit: Box::new(coord(200 + i)),
        obsolete: 7,
    };
    v1::Book { owner: "Ana".into(), hikes: (0..4).map(hike).collect() }
}

fn new_coord(c: &v1::Coord) -> v2::Coord {
    v2::Coord { t: 0, x: c.x, y: c.y, z: c.z.into() }
}

/// What a program of version 2 should read from `old_book()`.
fn old_book_as_v2() -> v2::Book {
    let hikes = old_book()
        .hikes
        .iter()
        .map(|h| v2::Hike {
            name: h.title.clone(),
            year: h.year.into(),
            difficulty: match h.difficulty {
                v1::Difficulty::Easy => v2::Difficulty::Easy,
                v1::Difficulty::Hard => v2::Difficulty::Hard,
            },
            track: h.track.iter().map(new_coord).collect(),
            start: h.start.as_ref().map(new_coord),
            summit: Box::new(new_coord(&h.summit)),
            country: "Switzerland".into(),
            tags: Vec::new(),
        })
        .collect();
    v2::Book { owner: "Ana".into(), hikes }
}

#[test]
fn a_newer_program_reads_an_older_file_through_views() {
    let bytes = mmf::to_bytes(&old_book());
    let image = mmf::Image::<v2::Book>::new(&bytes).unwrap();
    assert!(image.is_other_version());
    let root = image.root();
    assert_eq!(root.owner(), "Ana");
    let hike = root.hikes().get(3).unwrap();
    assert_eq!(hike.name(), "Hike 3", "renamed_from");
    assert_eq!(hike.year(), 2003u32, "widened");
    assert_eq!(hike.difficulty(), v2::Difficulty::Hard, "variants by name");
    assert_eq!(hike.country(), "Switzerland", "#[mmf(default)]");
    assert!(hike.tags().is_empty(), "Default");
    assert!(hike.raw().is_none(), "the stored form is not the program's");
    // A list of elements a different size apart: get, iterate both ways, count.
    let track = hike.track();
    assert_eq!(track.len(), 8);
    assert!(track.try_as_slice().is_none());
    assert_eq!(track.get(7).unwrap().x(), 7.0);
    assert_eq!(track.get(7).unwrap().t(), 0);
    assert_eq!(track.get(8).map(|c| c.x()), None);
    let xs: Vec<f64> = track.iter().map(|c| c.x()).collect();
    assert_eq!(xs, (0..8).map(|i| i as f64).collect::<Vec<_>>());
    let back: Vec<f64> = track.iter().rev().map(|c| c.y()).collect();
    assert_eq!(back, (0..8).rev().map(|i| i as f64 * 2.0).collect::<Vec<_>>());
    assert_eq!(track.iter().len(), 8);
    assert_eq!(hike.start().unwrap().z(), 51.5, "an option of a changed struct");
    assert_eq!(hike.summit().x(), 203.0, "a box of a changed struct");
    assert_eq!(image.to_owned(), old_book_as_v2());
    assert_eq!(mmf::from_bytes_owned::<v2::Book>(&bytes).unwrap(), old_book_as_v2());
}

#[test]
fn an_older_program_reads_a_newer_file_and_ignores_what_it_does_not_know() {
    let mut book = old_book_as_v2();
    book.hikes[0].tags = vec!["snow".into()];
    book.hikes[1].track[0].t = 99;
    let bytes = mmf::to_bytes(&book);
    // `year` and `z` were widened: an old reader cannot narrow them back.
    let err = mmf::Image::<v1::Book>::new(&bytes).err().unwrap().to_string();
    assert!(
        err.contains("hikes[_].year: the file stores `u32`, this program reads `u16`"),
        "{err}"
    );
    assert!(err.contains("hikes[_].track[_].z: the file stores `f64`"), "{err}");

    /// The old program without the widened fields: it reads the new file.
    mod v1b {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Coord {
            pub x: f64,
            pub y: f64,
        }
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Hike {
            pub title: String,
            pub track: Vec<Coord>,
            pub obsolete: u32,
        }
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Book {
            pub owner: String,
            pub hikes: Vec<Hike>,
        }
    }
    let image = mmf::Image::<v1b::Book>::new(&bytes).unwrap();
    let hike = image.root().hikes().get(1).unwrap();
    // `title` became `name`, and the file's notes say so: the old program
    // finds it. `obsolete` reads as its default.
    assert_eq!((hike.title(), hike.obsolete()), ("Hike 1", 0));
    assert_eq!(hike.track().get(1).unwrap().y(), 2.0);
    assert_eq!(image.to_owned().hikes[3].track.len(), 8);
}

#[test]
fn an_older_program_skips_fields_added_later() {
    // Version 1 of `Coord` reads version 2's, which has `t` first and `z` wider:
    // here only the fields kept as they were.
    mod old {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Coord {
            pub x: f64,
            pub y: f64,
        }
    }
    let new = vec![v2::Coord { t: 5, x: 1.0, y: 2.0, z: 3.0 }; 3];
    let bytes = mmf::to_bytes(&new);
    let image = mmf::Image::<Vec<old::Coord>>::new(&bytes).unwrap();
    let list = image.root();
    assert_eq!(list.len(), 3);
    assert_eq!((list.get(2).unwrap().x(), list.get(2).unwrap().y()), (1.0, 2.0));
    assert_eq!(image.to_owned(), vec![old::Coord { x: 1.0, y: 2.0 }; 3]);
}

#[test]
fn an_unknown_variant_is_refused_only_where_a_value_holds_it() {
    mod old {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
        #[repr(u8)]
        pub enum Difficulty {
            Easy,
            Hard,
        }
    }
    use v2::Difficulty::*;
    let known = mmf::to_bytes(&vec![Easy, Hard, Easy]);
    let image = mmf::Image::<Vec<old::Difficulty>>::new(&known).unwrap();
    assert_eq!(
        image.to_owned(),
        vec![old::Difficulty::Easy, old::Difficulty::Hard, old::Difficulty::Easy]
    );
    let unknown = mmf::to_bytes(&vec![Easy, Medium]);
    let err = mmf::Image::<Vec<old::Difficulty>>::new(&unknown).err().unwrap().to_string();
    assert!(err.contains("variant `Medium` of enum `Difficulty`"), "{err}");
    assert!(err.starts_with("[1]: variant `Medium`"), "{err}");
    // With a fallback, unknown values read as it.
    mod newer {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
        #[repr(u8)]
        pub enum Difficulty {
            Easy,
            Hard,
            Extreme,
        }
    }
    let bytes = mmf::to_bytes(&vec![newer::Difficulty::Extreme, newer::Difficulty::Hard]);
    let image = mmf::Image::<Vec<v2::Difficulty>>::new(&bytes).unwrap();
    assert_eq!(image.to_owned(), vec![Unknown, Hard]);
}

#[test]
fn unrelated_changes_are_refused_naming_the_path_and_both_types() {
    mod changed {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Book {
            pub owner: Vec<u8>,
            pub hikes: Vec<String>,
        }
    }
    let bytes = mmf::to_bytes(&old_book());
    let err = mmf::Image::<changed::Book>::new(&bytes).err().unwrap().to_string();
    assert!(err.contains("owner: the file stores `String`, this program reads `Vec<u8>`"), "{err}");
    assert!(err.contains("hikes[_]: the file stores `Hike"), "{err}");
    // A field the file lacks whose type has no `Default` and no attribute.
    mod no_default {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
        #[repr(u8)]
        pub enum Side {
            Left,
        }
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Book {
            pub owner: String,
            pub side: Side,
        }
    }
    let err = mmf::Image::<no_default::Book>::new(&bytes).err().unwrap().to_string();
    assert!(err.contains("side: the file lacks this field, and `Side` has no `Default`"), "{err}");
}

#[test]
#[cfg_attr(miri, ignore = "maps files")]
fn files_of_another_version_open_read_only_and_refuse_in_place_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.mmf");
    drop(MappedFileMut::create(&path, &old_book()).unwrap());
    let file = MappedFile::<v2::Book>::open(&path).unwrap();
    assert!(file.is_other_version());
    assert_eq!(file.root().hikes().get(1).unwrap().track().get(2).unwrap().y(), 4.0);
    assert_eq!(file.to_owned(), old_book_as_v2());
    drop(file);
    let err = MappedFileMut::<v2::Book>::open(&path).unwrap_err().to_string();
    assert!(
        err.contains(
            "change in place what it stores as this program does, or can hold (`AnyVersionMut`"
        ),
        "{err}"
    );
    let mut reader = mmf::SharedReader::<v2::Book>::open(&path).unwrap();
    assert_eq!(reader.latest().unwrap().hikes().get(2).unwrap().name(), "Hike 2");
    // The same program's file is exactly as before.
    let file = MappedFile::<v1::Book>::open(&path).unwrap();
    assert!(!file.is_other_version());
    assert!(file.root().hikes().get(0).unwrap().raw().is_some());
    drop((file, reader));
    // Upgraded, it is the new program's own file, and changes in place.
    assert!(mmf::upgrade::<v2::Book>(&path).unwrap());
    assert!(!mmf::upgrade::<v2::Book>(&path).unwrap());
    let mut file = MappedFileMut::<v2::Book>::open(&path).unwrap();
    assert_eq!(file.to_owned(), old_book_as_v2());
    *file.root_mut().hikes_mut().get_mut(0).unwrap().year_mut() = 2024;
    drop(file);
    assert_eq!(
        MappedFile::<v2::Book>::open(&path).unwrap().root().hikes().get(0).unwrap().year(),
        2024
    );
}

#[test]
fn the_default_is_not_part_of_the_schema() {
    assert_eq!(v2::Hike::LAYOUT, v2::Hike::LAYOUT);
    #[derive(Mapped)]
    struct A {
        #[mmf(default = 5)]
        _n: u32,
    }
    #[derive(Mapped)]
    struct B {
        _n: u32,
    }
    // The default is in the notes, after the tables the hash covers.
    let (a, b) = (mmf::schema::encode(A::LAYOUT), mmf::schema::encode(B::LAYOUT));
    let notes = |schema: &[u8]| schema.windows(4).position(|w| w == b"MMFN").unwrap();
    assert_eq!(notes(&a), notes(&b), "tables of one length (the names differ)");
    assert!(a.len() > b.len(), "A's notes hold its default; B's is all zeros");
}

/// A shared writer of a newer program takes over an older file (see
/// `tests/rolling_upgrade.rs` for readers of both versions in two processes).
#[test]
#[cfg_attr(miri, ignore = "maps files")]
fn a_shared_writer_upgrades_only_a_file_it_can_read_and_only_when_asked() -> mmf::Result<()> {
    /// `Entry.at` widened: the old program cannot read it back.
    mod wide {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Entry {
            pub text: String,
            pub at: u64,
        }
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Log {
            pub seq: u64,
            pub entries: Vec<Entry>,
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.mmf");
    let log = wide::Log { seq: 1, entries: vec![wide::Entry { text: "a".into(), at: 1 << 40 }] };
    drop(SharedWriter::create(&path, &log)?);
    /// The older program.
    mod narrow {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Entry {
            pub text: String,
            pub at: u32,
        }
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Log {
            pub seq: u64,
            pub entries: Vec<Entry>,
        }
    }
    let err = SharedWriter::<narrow::Log>::open_upgrading(&path).unwrap_err().to_string();
    assert!(err.contains("entries[_].at: the file stores `u64`"), "{err}");
    let writer = SharedWriter::<wide::Log>::open_upgrading(&path)?;
    assert_eq!(writer.to_owned(), log);
    assert_eq!(writer.generation(), 0, "not rewritten");
    drop(writer);

    // The other way: the newer program opens the older program's file.
    let old = narrow::Log { seq: 2, entries: vec![narrow::Entry { text: "b".into(), at: 7 }] };
    drop(SharedWriter::create(&path, &old)?);
    let err = SharedWriter::<wide::Log>::open(&path).unwrap_err().to_string();
    assert!(err.contains("open_upgrading"), "{err}");
    let mut writer = SharedWriter::<wide::Log>::open_upgrading(&path)?;
    assert_eq!(writer.generation(), 2, "rewritten as the next version");
    assert_eq!(writer.to_owned().entries[0].at, 7);
    writer.update(|log| log.entries[0].at = 1 << 40)?;
    drop(writer);
    let file = MappedFile::<wide::Log>::open(&path)?;
    assert!(!file.is_other_version());
    assert_eq!(file.root().entries().get(0).unwrap().at(), 1 << 40);
    Ok(())
}

/// A reader of the older program follows a newer writer's versions: each
/// is validated for what the older program can read (a version holding a
/// variant it lacks is refused, the next one reads again), by the
/// differences resolved from the first, since every version embeds the
/// same schema.
#[test]
#[cfg_attr(miri, ignore = "maps files")]
fn a_shared_reader_follows_the_versions_of_another_programs_writer() -> mmf::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trip.mmf");
    let trip = |name: &str, kind| after::Trip { name: name.into(), kind, count: 3 };
    let mut writer = SharedWriter::create(&path, &trip("Säntis", after::Kind::Walk))?;
    writer.sync_on_publish(false);
    let mut reader = mmf::SharedReader::<before::Trip>::open(&path)?;
    assert!(reader.is_other_version());
    let old = |title: &str, kind| before::Trip {
        title: title.into(),
        kind,
        side: before::Side { left: true },
    };
    assert_eq!(reader.read(|t| t.to_owned())?, old("Säntis", before::Kind::Walk));
    for (name, kind, read_as) in [
        ("Tödi", after::Kind::Climb, before::Kind::Climb),
        ("Pilatus", after::Kind::Walk, before::Kind::Walk),
    ] {
        writer.update(|t| *t = trip(name, kind))?;
        assert_eq!(reader.read(|t| t.to_owned())?, old(name, read_as));
    }
    writer.update(|t| t.kind = after::Kind::Ride)?;
    let err = reader.read(|t| t.to_owned()).unwrap_err().to_string();
    assert!(err.contains("Ride"), "{err}");
    assert_eq!(reader.view().to_owned(), old("Pilatus", before::Kind::Walk), "still the last read");
    writer.update(|t| *t = trip("Rigi", after::Kind::Climb))?;
    assert_eq!(reader.read(|t| t.to_owned())?, old("Rigi", before::Kind::Climb));
    assert!(reader.is_other_version());
    Ok(())
}

/// Two versions of a small program that read each other's files, on
/// conditions: `title` renamed, a variant added, `side` removed, `count` added.
mod before {
    use mmf::Mapped;
    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Kind {
        Walk,
        Climb,
    }
    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Side {
        pub left: bool,
    }
    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Trip {
        pub title: String,
        pub kind: Kind,
        #[mmf(default = Side { left: true })]
        pub side: Side,
    }
}

mod after {
    use mmf::Mapped;
    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Kind {
        Walk,
        Ride,
        Climb,
    }
    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Trip {
        #[mmf(renamed_from = "title")]
        pub name: String,
        pub kind: Kind,
        pub count: u32,
    }
}

#[test]
fn saved_schemas_say_per_direction_which_program_reads_which_files() {
    use mmf::schema::{self, Verdict};
    let saved = schema::encode(before::Trip::LAYOUT);
    let c = schema::compatibility_with::<after::Trip>(&saved).unwrap();
    assert_eq!(c.new_reads_old, Verdict::Reads, "{c}");
    // The saved schema's notes hold `side`'s default: the one condition is
    // that files hold no variant the old program lacks.
    let Verdict::ReadsIf(conditions) = &c.old_reads_new else { panic!("{c}") };
    assert_eq!(conditions.len(), 1, "{c}");
    assert!(
        conditions[0].starts_with("kind: a file must not hold variant `Ride` of `Kind`"),
        "{c}"
    );
    assert!(c.both_ways());
    let report = c.to_string();
    assert!(
        report.starts_with(
            "old files in the new program: yes\nnew files in the old program: yes, if\n  - kind:"
        ),
        "{report}"
    );
    assert!(report.contains("differences:\n  - "), "{report}");
    schema::assert_compatible::<after::Trip>(&saved);
    // The verdicts are what opening does: the new program reads the old file.
    let old = before::Trip {
        title: "Rigi".into(),
        kind: before::Kind::Climb,
        side: before::Side { left: true },
    };
    let image_bytes = mmf::to_bytes(&old);
    let image = mmf::Image::<after::Trip>::new(&image_bytes).unwrap();
    assert_eq!(
        image.to_owned(),
        after::Trip { name: "Rigi".into(), kind: after::Kind::Climb, count: 0 }
    );

    // Known by their schemas alone, the programs get the same verdicts:
    // the notes hold the rename and the defaults.
    let c2 = schema::compatibility(&saved, &schema::encode(after::Trip::LAYOUT)).unwrap();
    assert_eq!((&c2.new_reads_old, &c2.old_reads_new), (&c.new_reads_old, &c.old_reads_new));
    // Without notes (cut off), a default is a condition.
    let tables = &saved[..saved.windows(4).position(|w| w == b"MMFN").unwrap()];
    let c3 = schema::compatibility(&schema::encode(after::Trip::LAYOUT), tables).unwrap();
    let Verdict::ReadsIf(conditions) = &c3.new_reads_old else { panic!("{c3}") };
    assert!(
        conditions[1].starts_with(
            "side: the file lacks this field: the program reads it only if `Side` has a `Default`"
        ),
        "{c3}"
    );

    // A breaking change: each direction says why, and the assertion fails.
    let saved = schema::encode(v2::Book::LAYOUT);
    let c = schema::compatibility_with::<v1::Book>(&saved).unwrap();
    let Verdict::Refuses(reasons) = &c.new_reads_old else { panic!("{c}") };
    assert!(
        reasons[0].starts_with("hikes[_].year: the file stores `u32`, this program reads `u16`"),
        "{c}"
    );
    assert!(!c.both_ways());
    let panic = std::panic::catch_unwind(|| schema::assert_compatible::<v1::Book>(&saved));
    let message = *panic.unwrap_err().downcast::<String>().unwrap();
    assert!(
        message.starts_with(
            "`Book` breaks compatibility with the saved schema:\nold files in the new program: no\n"
        ),
        "{message}"
    );
    // A saved schema of another root type is refused both ways.
    let c = schema::compatibility_with::<after::Trip>(&saved).unwrap();
    assert!(
        matches!(&c.old_reads_new, Verdict::Refuses(r) if r[0].contains("the file's root type is `Trip`, this program's `Book`")),
        "{c}"
    );
}

#[test]
fn a_renamed_root_type_opens_files_of_its_earlier_name() {
    mod renamed {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        #[mmf(renamed_from = "Book")]
        pub struct Logbook {
            pub owner: String,
        }
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Ledger {
            pub owner: String,
        }
    }
    let bytes = mmf::to_bytes(&old_book());
    let image = mmf::Image::<renamed::Logbook>::new(&bytes).unwrap();
    assert_eq!(image.root().owner(), "Ana");
    // Without the attribute, the error says what to write.
    let err = mmf::Image::<renamed::Ledger>::new(&bytes).err().unwrap().to_string();
    assert!(err.contains("the file's root type is `Book`, this program's `Ledger` (if `Ledger` is `Book` renamed, say so with `#[mmf(renamed_from = \"Book\")]`)"), "{err}");
    // The compatibility check knows the earlier name both ways: the newer
    // program's files say it in their notes, so the older program reads them.
    let c =
        mmf::schema::compatibility_with::<renamed::Logbook>(&mmf::schema::encode(v1::Book::LAYOUT))
            .unwrap();
    assert!(c.new_reads_old.reads(), "{c}");
    assert!(c.old_reads_new.reads(), "{c}");
    let newer = mmf::to_bytes(&renamed::Logbook { owner: "Ana".into() });
    assert_eq!(mmf::Image::<v1::Book>::new(&newer).unwrap().root().owner(), "Ana");
    let c =
        mmf::schema::compatibility_with::<renamed::Ledger>(&mmf::schema::encode(v1::Book::LAYOUT))
            .unwrap();
    assert!(!c.new_reads_old.reads() && !c.old_reads_new.reads(), "{c}");
}

fn point(i: u32) -> atlas_v2::Point {
    atlas_v2::Point { elevation: 400 + i, x: f64::from(i), y: -f64::from(i) }
}

fn atlas() -> atlas_v2::Atlas {
    atlas_v2::Atlas {
        corners: [point(1), point(2)],
        labelled: (7, point(3)),
        huts: (0..20).map(|i| (format!("hut {i}"), point(10 + i))).collect(),
        routes: (0..5).map(|i| (2020 + i as u16, (0..i).map(point).collect())).collect(),
        grid: (0..4).map(|i| [point(i), point(i + 50)]).collect(),
        pairs: (0..3).map(|i| (i as u8, point(i + 90))).collect(),
    }
}

/// What each version keeps of the other's points.
fn older(p: &atlas_v2::Point) -> atlas_v1::Point {
    atlas_v1::Point { x: p.x, y: p.y }
}

fn newer(p: &atlas_v1::Point) -> atlas_v2::Point {
    atlas_v2::Point { elevation: 0, x: p.x, y: p.y }
}

fn atlas_as_v1(a: &atlas_v2::Atlas) -> atlas_v1::Atlas {
    atlas_v1::Atlas {
        corners: a.corners.each_ref().map(older),
        labelled: (a.labelled.0, older(&a.labelled.1)),
        huts: a.huts.iter().map(|(k, p)| (k.clone(), older(p))).collect(),
        routes: a.routes.iter().map(|(&k, r)| (k, r.iter().map(older).collect())).collect(),
        grid: a.grid.iter().map(|c| c.each_ref().map(older)).collect(),
        pairs: a.pairs.iter().map(|(i, p)| (*i, older(p))).collect(),
    }
}

fn atlas_as_v2(a: &atlas_v1::Atlas) -> atlas_v2::Atlas {
    atlas_v2::Atlas {
        corners: a.corners.each_ref().map(newer),
        labelled: (a.labelled.0, newer(&a.labelled.1)),
        huts: a.huts.iter().map(|(k, p)| (k.clone(), newer(p))).collect(),
        routes: a.routes.iter().map(|(&k, r)| (k, r.iter().map(newer).collect())).collect(),
        grid: a.grid.iter().map(|c| c.each_ref().map(newer)).collect(),
        pairs: a.pairs.iter().map(|(i, p)| (*i, newer(p))).collect(),
    }
}

#[test]
fn a_struct_changes_inside_arrays_tuples_and_maps_values_both_ways() {
    // The newer file in the older program.
    let new = atlas();
    let bytes = mmf::to_bytes(&new);
    let image = mmf::Image::<atlas_v1::Atlas>::new(&bytes).unwrap();
    let root = image.root();
    assert_eq!(root.corners().get(1).unwrap().x(), 2.0);
    assert!(root.corners().try_as_slice().is_none());
    assert_eq!(root.labelled().1.y(), -3.0);
    assert_eq!(root.huts().get("hut 7").unwrap().x(), 17.0);
    assert!(root.huts().get("hut 70").is_none());
    assert_eq!(root.routes().get(2024).unwrap().get(3).unwrap().x(), 3.0);
    assert_eq!(root.grid().get(2).unwrap().get(1).unwrap().x(), 52.0);
    assert_eq!(root.pairs().get(2).unwrap().1.x(), 92.0);
    let seen: Vec<(String, f64)> = root.huts().iter().map(|(k, p)| (k.to_owned(), p.x())).collect();
    assert_eq!(seen.len(), 20);
    assert!(seen.iter().all(|(k, x)| new.huts[k].x == *x));
    let old = atlas_as_v1(&new);
    assert_eq!(image.to_owned(), old);
    assert_eq!(mmf::from_bytes_owned::<atlas_v1::Atlas>(&bytes).unwrap(), old);

    // The older file in the newer program: every point's elevation is its default.
    let bytes = mmf::to_bytes(&old);
    let image = mmf::Image::<atlas_v2::Atlas>::new(&bytes).unwrap();
    let root = image.root();
    let hut = root.huts().get("hut 3").unwrap();
    assert_eq!((hut.elevation(), hut.x()), (0, 13.0));
    assert_eq!(root.labelled().1.elevation(), 0);
    assert_eq!(
        format!("{:?}", root.corners().get(0).unwrap()),
        format!("{:?}", newer(&old.corners[0]))
    );
    assert_eq!(image.to_owned(), atlas_as_v2(&old));
}

#[test]
fn keys_array_lengths_and_tuple_lengths_cannot_change() {
    mod changed {
        use mmf::Mapped;
        use std::collections::HashMap;

        use super::atlas_v2::Point;

        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Atlas {
            pub corners: [Point; 3],
            pub labelled: (u32, Point, u8),
            pub huts: HashMap<u32, Point>,
            pub routes: HashMap<u16, Vec<Point>>,
            pub grid: Vec<[Point; 2]>,
            pub pairs: Vec<(u16, Point)>,
        }
    }
    let bytes = mmf::to_bytes(&atlas());
    let err = mmf::Image::<changed::Atlas>::new(&bytes).err().unwrap();
    let Error::SchemaMismatch { differences, .. } = &err else { panic!("{err}") };
    let expected = [
        "corners: the file stores `[Point; 2]`, this program reads `[Point; 3]` (an array's elements can change as a list's can, not its length)",
        "labelled: the file stores `(u32, Point)`, this program reads `(u32, Point, u8)` (a tuple's elements can change as a list's can, not their number)",
        "huts: the file stores `HashMap<String, Point>`, this program reads `HashMap<u32, Point>` (a map's values can change as a list's elements can, not its keys or kind)",
        "routes: the file stores `BTreeMap<u16, Vec<Point>>`, this program reads `HashMap<u16, Vec<Point>>` (a map's values can change as a list's elements can, not its keys or kind)",
        // A number inside a tuple widens no more than a list's element does.
        "pairs[_].0: the file stores `u8`, this program reads `u16`",
    ];
    for e in expected {
        assert!(differences.iter().any(|d| d.starts_with(e)), "{e}\n{differences:#?}");
    }
}

#[test]
fn lists_of_frozen_elements_hand_out_their_stored_forms_whatever_lies_behind_them() {
    let old = atlas_as_v1(&atlas());
    let tracks = vec![old.routes[&2023].clone(), Vec::new(), old.routes[&2024].clone()];
    let bytes = mmf::to_bytes(&tracks);
    let image = mmf::Image::<Vec<Vec<atlas_v2::Point>>>::new(&bytes).unwrap();
    let lists = image.root();
    // The inner lists' points differ; the lists themselves are an offset and
    // a length in every file.
    let raw = lists.as_slice();
    assert_eq!(raw.iter().map(|l| l.len).collect::<Vec<_>>(), [3, 0, 4]);
    assert_eq!(lists.get(2).unwrap().get(3).unwrap().x(), 3.0);
    assert!(lists.get(0).unwrap().try_as_slice().is_none());
}

/// An atlas of `huts` huts and routes of the given lengths.
/// Calls `check` on `bytes` with each byte in turn changed to
/// `replacement` (to its complement where it already is that), then
/// restored; `check` also gets the byte's offset.
fn each_single_byte_change(
    mut bytes: Vec<u8>,
    replacement: u8,
    mut check: impl FnMut(usize, &[u8]),
) {
    for i in 0..bytes.len() {
        let original = bytes[i];
        bytes[i] = if original == replacement { !original } else { replacement };
        check(i, &bytes);
        bytes[i] = original;
    }
}

fn atlas_of(huts: &[u32], routes: &[u8]) -> atlas_v2::Atlas {
    atlas_v2::Atlas {
        corners: [point(huts.len() as u32), point(routes.len() as u32)],
        labelled: (huts.first().copied().unwrap_or(0), point(9)),
        huts: huts.iter().map(|&i| (format!("hut {i}"), point(i))).collect(),
        routes: routes
            .iter()
            .enumerate()
            .map(|(i, &n)| (i as u16, (0..u32::from(n)).map(point).collect()))
            .collect(),
        grid: huts.iter().map(|&i| [point(i), point(i / 2)]).collect(),
        pairs: routes.iter().map(|&n| (n, point(u32::from(n)))).collect(),
    }
}

proptest! {
    #![proptest_config(common::proptest_config(16))]

    /// Any atlas reads in the other version as what that version keeps of it.
    #[test]
    fn any_atlas_reads_in_the_other_version(
        huts in proptest::collection::vec(0u32..10_000, 0..40),
        routes in proptest::collection::vec(0u8..12, 0..10),
    ) {
        let new = atlas_of(&huts, &routes);
        let old = atlas_as_v1(&new);
        prop_assert_eq!(mmf::from_bytes_owned::<atlas_v1::Atlas>(&mmf::to_bytes(&new)).unwrap(), old.clone());
        prop_assert_eq!(mmf::from_bytes_owned::<atlas_v2::Atlas>(&mmf::to_bytes(&old)).unwrap(), atlas_as_v2(&old));
    }

    /// Every single-byte change of a newer atlas, its schema hash made to
    /// match, is read by the older program or refused: never a panic.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for Miri")]
    fn every_single_byte_corruption_of_a_newer_atlas_is_ok_or_err(
        huts in proptest::collection::vec(0u32..10_000, 0..6),
        routes in proptest::collection::vec(0u8..4, 0..3),
        replacement in any::<u8>(),
    ) {
        let bytes = mmf::to_bytes(&atlas_of(&huts, &routes)).to_vec();
        each_single_byte_change(bytes, replacement, |_, bytes| {
            common::fuzz::check_other_version::<atlas_v1::Atlas>(bytes, None);
        });
    }

    /// Every single-byte change of the schema an older atlas is upgraded
    /// to: the upgrade by schema writes a valid image of that schema, or
    /// refuses; never a panic.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for Miri")]
    fn an_upgrade_to_any_corrupted_schema_writes_a_valid_image_or_refuses(
        huts in proptest::collection::vec(0u32..10_000, 0..6),
        replacement in any::<u8>(),
    ) {
        let old = mmf::to_bytes(&atlas_as_v1(&atlas_of(&huts, &[1, 2])));
        let image = mmf::DynImage::new(&old).unwrap();
        let schema = mmf::schema::encode(atlas_v2::Atlas::LAYOUT);
        each_single_byte_change(schema, replacement, |i, schema| {
            if let Ok(Some(upgraded)) = image.upgraded(schema) {
                let upgraded = mmf::AlignedBytes::from_slice(&upgraded);
                if let Err(e) = mmf::DynImage::new(&upgraded) {
                    panic!("byte {i}: the upgrade wrote an invalid image: {e}");
                }
            }
        });
    }

    /// As above, for trees of nodes that gained a field and a name, both ways.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for Miri")]
    fn every_single_byte_corruption_of_a_tree_of_another_version_is_ok_or_err(
        replacement in any::<u8>(),
    ) {
        let forest = forest_v1::Forest { trees: vec![common::tree()], formula: None };
        let bytes = mmf::to_bytes(&forest).to_vec();
        each_single_byte_change(bytes, replacement, |_, bytes| {
            common::fuzz::check_other_version::<forest_v1::Grove>(bytes, None);
        });
        let grove = mmf::Image::<forest_v1::Grove>::new(&mmf::to_bytes(&forest)).unwrap().to_owned();
        each_single_byte_change(mmf::to_bytes(&grove).to_vec(), replacement, |_, bytes| {
            common::fuzz::check_other_version::<forest_v1::Forest>(bytes, None);
        });
    }

    /// Any expression reads in the later version as what that version makes
    /// of it, and back: any later one without the variant the earlier lacks.
    #[test]
    fn any_expression_reads_in_the_other_version(seed in any::<u64>(), leaves in 1usize..40) {
        let old = random_expr(&mut common::Rng(seed | 1), leaves);
        let new = common::expr_v2::Expr::from_earlier(&old);
        let image = mmf::to_bytes(&old);
        prop_assert_eq!(mmf::from_bytes_owned::<common::expr_v2::Expr>(&image).unwrap(), new.clone());
        prop_assert_eq!(mmf::from_bytes_owned::<common::Expr>(&mmf::to_bytes(&new)).unwrap(), old);
    }

    /// As above, for expressions, an enum that contains itself, both ways.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for Miri")]
    fn every_single_byte_corruption_of_an_expression_of_another_version_is_ok_or_err(
        replacement in any::<u8>(),
    ) {
        let old = common::deeper_expr();
        each_single_byte_change(mmf::to_bytes(&old).to_vec(), replacement, |_, bytes| {
            common::fuzz::check_other_version::<common::expr_v2::Expr>(bytes, None);
        });
        let mut new = common::expr_v2::Expr::from_earlier(&old);
        if let common::expr_v2::Expr::Add(left, _) = &mut new {
            **left = common::expr_v2::Expr::Neg(left.clone());
        }
        each_single_byte_change(mmf::to_bytes(&new).to_vec(), replacement, |_, bytes| {
            common::fuzz::check_other_version::<common::Expr>(bytes, None);
        });
    }

    /// As above, for journals of entries that are enums with data, both ways.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for Miri")]
    fn every_single_byte_corruption_of_a_journal_of_another_version_is_ok_or_err(
        kinds in proptest::collection::vec(0u8..3, 0..6),
        replacement in any::<u8>(),
    ) {
        let mut old = old_journal();
        old.entries.retain(|_| false);
        for (i, kind) in kinds.iter().enumerate() {
            let p = || older(&point(i as u32));
            old.entries.push(match kind {
                0 => journal_v1::Entry::Walk { from: p(), to: p(), minutes: i as u16 },
                1 => journal_v1::Entry::Note(format!("note {i}")),
                _ => journal_v1::Entry::Rest,
            });
        }
        each_single_byte_change(mmf::to_bytes(&old).to_vec(), replacement, |_, bytes| {
            common::fuzz::check_other_version::<journal_v2::Journal>(bytes, Some(common::fuzz::set_journal));
            common::fuzz::check_other_version::<journal_v1b::Journal>(bytes, None);
        });
    }
}

/// A random expression of `leaves` numbers and nothings, in sums and calls.
fn random_expr(rng: &mut common::Rng, leaves: usize) -> common::Expr {
    use common::Expr;
    if leaves <= 1 {
        return if rng.below(4) == 0 { Expr::Nothing } else { Expr::Num(rng.next() as f64) };
    }
    let left = 1 + rng.below(leaves - 1);
    if rng.below(2) == 0 {
        Expr::Add(Box::new(random_expr(rng, left)), Box::new(random_expr(rng, leaves - left)))
    } else {
        let args = vec![random_expr(rng, left), random_expr(rng, leaves - left)];
        Expr::Call { name: format!("f{leaves}"), args }
    }
}

/// The first version without what the second changed in a way it cannot
/// read back (a widened field, a variant it lacks aside).
mod journal_v1b {
    use mmf::Mapped;

    use super::atlas_v1::Point;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Entry {
        Walk { from: Point, to: Point },
        Note(String),
        Rest,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Journal {
        pub entries: Vec<Entry>,
        pub last: Option<Entry>,
    }
}

fn old_journal() -> journal_v1::Journal {
    use journal_v1::Entry;
    let p = |i: u32| older(&point(i));
    let entries = vec![
        Entry::Note("start".into()),
        Entry::Walk { from: p(1), to: p(2), minutes: 75 },
        Entry::Rest,
        Entry::Walk { from: p(3), to: p(4), minutes: 20 },
        Entry::Note("summit".into()),
    ];
    journal_v1::Journal { entries, last: Some(Entry::Walk { from: p(5), to: p(6), minutes: 5 }) }
}

#[test]
fn an_enum_with_data_changes_variant_by_variant_both_ways() {
    use journal_v2::Entry;
    let old = old_journal();
    let bytes = mmf::to_bytes(&old);
    let image = mmf::Image::<journal_v2::Journal>::new(&bytes).unwrap();
    let entries = image.root().entries();
    assert_eq!(entries.len(), 5);
    match entries.get(1).unwrap() {
        journal_v2::EntryView::Walk { from, to, minutes, climbed } => {
            assert_eq!(
                (from.x(), from.elevation(), to.y(), minutes, climbed),
                (1.0, 0, -2.0, 75, 0)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(entries.get(4).unwrap(), journal_v2::EntryView::Note("summit")));
    let walk = |i: u32, minutes| Entry::Walk {
        from: newer(&older(&point(i))),
        to: newer(&older(&point(i + 1))),
        minutes,
        climbed: 0,
    };
    let expected = journal_v2::Journal {
        entries: vec![
            Entry::Note("start".into()),
            walk(1, 75),
            Entry::Rest,
            walk(3, 20),
            Entry::Note("summit".into()),
        ],
        last: Some(walk(5, 5)),
    };
    assert_eq!(image.to_owned(), expected);

    // Back: the older program reads what it knows of the newer file, as
    // long as no value is of a variant it lacks.
    let mut new = expected.clone();
    new.entries.push(Entry::Note("end".into()));
    // `minutes` widened to u32: the older program cannot read it narrower.
    let err = mmf::Image::<journal_v1::Journal>::new(&mmf::to_bytes(&new)).err().unwrap();
    assert!(
        err.to_string()
            .contains("entries[_].Walk.minutes: the file stores `u32`, this program reads `u16`"),
        "{err}"
    );
    let bytes = mmf::to_bytes(&new);
    let read = mmf::Image::<journal_v1b::Journal>::new(&bytes).unwrap().to_owned();
    assert_eq!(read.entries.len(), 6);
    assert_eq!(
        read.entries[3],
        journal_v1b::Entry::Walk { from: older(&point(3)), to: older(&point(4)) }
    );
    assert_eq!(read.entries[5], journal_v1b::Entry::Note("end".into()));
    // A value of a variant the older program lacks is refused where it lies.
    new.entries[2] = Entry::Swim { meters: 300 };
    let err =
        mmf::Image::<journal_v1b::Journal>::new(&mmf::to_bytes(&new)).err().unwrap().to_string();
    assert!(err.contains("entries[2]") && err.contains("Swim"), "{err}");
}

#[test]
fn an_enum_with_data_sharing_no_variant_or_no_field_is_refused() {
    mod other {
        use mmf::Mapped;

        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub enum Entry {
            Photo { width: u32 },
            Video(u64),
        }

        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Journal {
            pub entries: Vec<Entry>,
            pub last: Option<Entry>,
        }
    }
    let bytes = mmf::to_bytes(&old_journal());
    let err = mmf::Image::<other::Journal>::new(&bytes).err().unwrap().to_string();
    assert!(
        err.contains("entries[_].Photo: the file's variant has none of this program's fields"),
        "{err}"
    );
}

#[test]
fn a_fieldless_enum_gains_data_and_an_enum_with_data_is_read_without_it() {
    mod plain {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
        #[repr(u8)]
        pub enum Weather {
            Sun,
            Rain,
        }
    }
    mod with_data {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        #[repr(u8)]
        pub enum Weather {
            Sun,
            Rain { millimeters: f32, note: String },
        }
    }
    let bytes = mmf::to_bytes(&vec![plain::Weather::Rain, plain::Weather::Sun]);
    let read = mmf::from_bytes_owned::<Vec<with_data::Weather>>(&bytes).unwrap();
    let rain = with_data::Weather::Rain { millimeters: 0.0, note: String::new() };
    assert_eq!(read, [rain, with_data::Weather::Sun]);

    let rain = with_data::Weather::Rain { millimeters: 4.5, note: "heavy".into() };
    let bytes = mmf::to_bytes(&vec![with_data::Weather::Sun, rain]);
    let image = mmf::Image::<Vec<plain::Weather>>::new(&bytes).unwrap();
    assert_eq!(image.root().get(1), Some(plain::Weather::Rain));
    assert_eq!(image.to_owned(), [plain::Weather::Sun, plain::Weather::Rain]);
}

/// A third version of the journal's entries: renamed and defaulted
/// variant fields, and an `other` variant.
mod journal_v3 {
    use mmf::Mapped;

    use crate::atlas_v1::Point;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Entry {
        Walk {
            from: Point,
            to: Point,
            #[mmf(renamed_from = "minutes")]
            duration: u16,
            #[mmf(default = 1)]
            people: u8,
        },
        Note(String),
        Rest,
        #[mmf(other)]
        Unknown,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Journal {
        pub entries: Vec<Entry>,
        pub last: Option<Entry>,
    }
}

#[test]
fn an_enum_with_data_renames_and_defaults_variant_fields_and_reads_unknown_variants_as_its_fallback()
 {
    let mut old = old_journal();
    old.entries.push(journal_v1::Entry::Photo { at: older(&point(8)), file: "lake.jpg".into() });
    let bytes = mmf::to_bytes(&old);
    let read = mmf::from_bytes_owned::<journal_v3::Journal>(&bytes).unwrap();
    let walk = journal_v3::Entry::Walk {
        from: older(&point(1)),
        to: older(&point(2)),
        duration: 75,
        people: 1,
    };
    assert_eq!(read.entries[1], walk);
    assert_eq!(read.entries[5], journal_v3::Entry::Unknown);
    let image = mmf::Image::<journal_v3::Journal>::new(&bytes).unwrap();
    assert!(matches!(image.root().entries().get(5), Some(journal_v3::EntryView::Unknown)));
}

/// Rewriting `old` (an image of another version) by the schema of `New`
/// alone gives, byte for byte, the image the typed upgrade writes: reading
/// it with `New` and writing the value anew.
fn upgrades_by_schema_as_by_type<New: Mapped>(old: &[u8]) {
    let expected = mmf::to_bytes(&mmf::Image::<New>::new(old).unwrap().to_owned());
    let header = mmf::Header::read(&expected).unwrap();
    let schema = &expected[header.schema_offset as usize..][..header.schema_len as usize];
    let upgraded = mmf::DynImage::new(old).unwrap().upgraded(schema).unwrap();
    assert!(upgraded.as_deref() == Some(&expected[..]), "{}", New::LAYOUT.name);
    // The result is a file of `New`'s own layout.
    let image = mmf::Image::<New>::new(&expected).unwrap();
    assert!(!image.is_other_version());
}

#[test]
fn a_file_is_upgraded_by_a_schema_alone_as_by_the_programs_types() {
    upgrades_by_schema_as_by_type::<v2::Book>(&mmf::to_bytes(&old_book()));
    upgrades_by_schema_as_by_type::<atlas_v1::Atlas>(&mmf::to_bytes(&atlas()));
    upgrades_by_schema_as_by_type::<atlas_v2::Atlas>(&mmf::to_bytes(&atlas_as_v1(&atlas())));
    upgrades_by_schema_as_by_type::<journal_v2::Journal>(&mmf::to_bytes(&old_journal()));
    let earlier = common::database(3, 5);
    upgrades_by_schema_as_by_type::<common::later::HikingDatabase>(&mmf::to_bytes(&earlier));
    let later = common::later::HikingDatabase::from_earlier(&earlier);
    upgrades_by_schema_as_by_type::<common::HikingDatabase>(&mmf::to_bytes(&later));
}

#[test]
fn an_upgrade_by_schema_refuses_what_the_schema_cannot_hold() {
    use mmf::schema::encode;
    let old = mmf::to_bytes(&old_book());
    let image = mmf::DynImage::new(&old).unwrap();
    // Another root type.
    let err = image.upgraded(&encode(atlas_v1::Atlas::LAYOUT)).unwrap_err().to_string();
    assert_eq!(
        err,
        "the file's `Book` cannot be rewritten as the schema's `Atlas`: another root type, of which neither name is an earlier one"
    );
    // A number that would narrow, by field path.
    let err = mmf::DynImage::new(&mmf::to_bytes(&old_book_as_v2()))
        .unwrap()
        .upgraded(&encode(v1::Book::LAYOUT))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("hikes[_].year: the file stores `u32`, this program reads `u16`"),
        "{err}"
    );
    // A value of a variant the schema lacks, where it lies.
    let journal = journal_v2::Journal {
        entries: vec![journal_v2::Entry::Rest, journal_v2::Entry::Swim { meters: 400 }],
        last: None,
    };
    let err = mmf::DynImage::new(&mmf::to_bytes(&journal))
        .unwrap()
        .upgraded(&encode(journal_v1b::Journal::LAYOUT))
        .unwrap_err()
        .to_string();
    assert!(err.contains("entries[1]") && err.contains("Swim"), "{err}");
    // A schema that cannot be read.
    assert!(image.upgraded(b"MMFS").is_err());
}

#[test]
fn a_struct_holding_types_that_contain_themselves_changes_around_them() {
    let old = forest_v1::Forest {
        trees: vec![common::tree(), common::tree()],
        formula: Some(common::expr()),
    };
    let new =
        forest_v2::Forest { planted: 7, formula: old.formula.clone(), trees: old.trees.clone() };
    let old_bytes = mmf::to_bytes(&old);
    let image = mmf::Image::<forest_v2::Forest>::new(&old_bytes).unwrap();
    assert!(image.is_other_version());
    assert_eq!(image.to_owned(), new);
    assert_eq!(image.root().trees().get(1).unwrap().to_owned(), common::tree());
    assert_eq!(image.root().planted(), 7);
    let new_bytes = mmf::to_bytes(&new);
    assert_eq!(mmf::Image::<forest_v1::Forest>::new(&new_bytes).unwrap().to_owned(), old);
    upgrades_by_schema_as_by_type::<forest_v2::Forest>(&old_bytes);
    upgrades_by_schema_as_by_type::<forest_v1::Forest>(&new_bytes);
}

#[test]
fn a_struct_that_contains_itself_changes_at_every_depth_both_ways() {
    fn as_tree(node: &common::Node) -> forest_v1::Tree {
        let children = node.children.iter().map(as_tree).collect();
        forest_v1::Tree { name: node.name.clone(), children, height: 0 }
    }
    let forest = forest_v1::Forest { trees: vec![common::tree(), common::tree()], formula: None };
    let bytes = mmf::to_bytes(&forest);
    // `Node` became `Tree` and gained a field: the file's nodes are read,
    // level by level, through one node of the differences resolved at open.
    let image = mmf::Image::<forest_v1::Grove>::new(&bytes).unwrap();
    let grove = forest_v1::Grove { trees: forest.trees.iter().map(as_tree).collect() };
    assert_eq!(image.to_owned(), grove);
    let tree = image.root().trees().get(1).unwrap();
    let deepest = tree.children().get(0).unwrap().children().get(1).unwrap();
    assert_eq!((deepest.name(), deepest.height()), ("Mönch", 0));
    assert!(deepest.raw().is_none());
    // And back: the older program reads the newer file.
    let mut newer = grove.clone();
    newer.trees[0].children[1].height = 4158;
    let newer_bytes = mmf::to_bytes(&newer);
    let read = mmf::from_bytes_owned::<forest_v1::Forest>(&newer_bytes).unwrap();
    assert_eq!(read.trees, forest.trees);
    upgrades_by_schema_as_by_type::<forest_v1::Grove>(&bytes);
    upgrades_by_schema_as_by_type::<forest_v1::Forest>(&newer_bytes);
    let saved = mmf::schema::encode(forest_v1::Forest::LAYOUT);
    let c = mmf::schema::compatibility_with::<forest_v1::Grove>(&saved).unwrap();
    assert!(c.both_ways(), "{c}");
}

#[test]
fn an_enum_that_contains_itself_changes_at_every_depth_both_ways() {
    use common::expr_v2::{Expr, ExprView};
    let old = common::deeper_expr();
    let bytes = mmf::to_bytes(&old);
    // The later program reads the file's nodes, at every depth, through one
    // node of the differences resolved at open.
    let image = mmf::Image::<Expr>::new(&bytes).unwrap();
    assert!(image.is_other_version());
    assert_eq!(image.to_owned(), Expr::from_earlier(&old));
    let ExprView::Add(_, right) = image.root() else { panic!("{:?}", image.root()) };
    let ExprView::Call { name, args, pure } = right.get() else { panic!("{right:?}") };
    assert_eq!((name, pure, args.len()), ("min", true, 2));
    assert!(args.try_as_slice().is_none(), "the file's elements are not this program's");
    let ExprView::Add(left, inner) = args.get(0).unwrap() else { panic!("{args:?}") };
    assert!(matches!(left.get(), ExprView::Num(n) if n == 1.5));
    let ExprView::Call { name, args, pure } = inner.get() else { panic!("{inner:?}") };
    assert_eq!((name, pure), ("max", true));
    assert!(matches!(args.get(1), Some(ExprView::Nothing)));
    let max =
        Expr::Call { name: "max".into(), args: vec![Expr::Num(2.0), Expr::Nothing], pure: true };
    assert_eq!(*inner.to_owned(), max);
    // And back: the older program reads a newer file that holds no `Neg`,
    // and ignores what it does not know.
    let mut newer = Expr::from_earlier(&old);
    if let Expr::Add(_, right) = &mut newer
        && let Expr::Call { pure, .. } = &mut **right
    {
        *pure = false;
    }
    let newer_bytes = mmf::to_bytes(&newer);
    assert_eq!(mmf::from_bytes_owned::<common::Expr>(&newer_bytes).unwrap(), old);
    // A `Neg` it cannot read, wherever it lies, is refused at open, by path.
    let negated = Expr::Add(
        Box::new(Expr::Num(1.0)),
        Box::new(Expr::Call {
            name: "f".into(),
            args: vec![Expr::Neg(Box::new(Expr::Nothing))],
            pure: true,
        }),
    );
    let err = mmf::Image::<common::Expr>::new(&mmf::to_bytes(&negated)).err().unwrap();
    let text = err.to_string();
    assert!(text.contains("Neg") && text.contains("Add.1.Call.args[0]"), "{text}");
    upgrades_by_schema_as_by_type::<Expr>(&bytes);
    upgrades_by_schema_as_by_type::<common::Expr>(&newer_bytes);
    // In place, where the file stores a value as the later program does.
    let mut changed = bytes.clone();
    let mut image = mmf::ImageMut::<Expr>::new(&mut changed).unwrap();
    *image.get_mut::<f64>("Add.1.Call.args[0].Add.0.Num.0").unwrap() = -4.0;
    assert!(image.get_mut::<Expr>("Add.0").is_err(), "the file's `Expr` is another version");
    let ExprView::Add(_, right) = image.root() else { panic!() };
    let ExprView::Call { args, .. } = right.get() else { panic!() };
    let ExprView::Add(left, _) = args.get(0).unwrap() else { panic!() };
    assert!(matches!(left.get(), ExprView::Num(n) if n == -4.0));
    let saved = mmf::schema::encode(common::Expr::LAYOUT);
    let c = mmf::schema::compatibility_with::<Expr>(&saved).unwrap();
    assert_eq!(c.new_reads_old, mmf::schema::Verdict::Reads, "{c}");
    let mmf::schema::Verdict::ReadsIf(conditions) = &c.old_reads_new else { panic!("{c}") };
    assert!(conditions[0].contains("variant `Neg` of `Expr`"), "{c}");
}

#[test]
#[cfg_attr(miri, ignore = "thousands of levels take hours under Miri")]
fn a_deep_enum_that_contains_itself_reads_as_its_later_version() {
    use common::Expr as Old;
    const LEVELS: usize = 5_000;
    let mut old = Old::Nothing;
    for i in 0..LEVELS {
        old = Old::Add(Box::new(Old::Num(i as f64)), Box::new(old));
    }
    let bytes = mmf::to_bytes(&old);
    let image = mmf::Image::<common::expr_v2::Expr>::new(&bytes).unwrap();
    let (mut view, mut sum) = (image.root(), 0.0);
    while let common::expr_v2::ExprView::Add(left, right) = view {
        let common::expr_v2::ExprView::Num(n) = left.get() else { panic!("{left:?}") };
        sum += n;
        view = right.get();
    }
    assert_eq!(sum, (LEVELS * (LEVELS - 1) / 2) as f64);
    // Reading the whole value: mmf goes on, past a depth, on threads of its own.
    let read = image.to_owned();
    // This test's own recursion — the expected value, comparing, dropping
    // thousands of boxes one inside the other — on a thread with room.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let expected = common::expr_v2::Expr::from_earlier(&old);
            assert!(read == expected, "the value read differs");
        })
        .unwrap()
        .join()
        .unwrap();
}

/// Two versions of a fieldless enum: the later one lost a variant and reads
/// unknown values as its `other`.
mod level_a {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Level {
        Low,
        High,
        Extreme,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Route {
        pub level: Level,
        pub stages: Vec<Level>,
    }
}

mod level_b {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Level {
        High,
        Low,
        #[mmf(other)]
        Unknown,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Route {
        pub level: Level,
        pub stages: Vec<Level>,
    }
}

#[test]
fn other_variants_travel_in_the_notes_so_schemas_alone_read_unknown_values_as_they_do() {
    use level_a::Level::{Extreme, High, Low};
    use mmf::schema::{self, Verdict};
    let route = level_a::Route { level: Extreme, stages: vec![Low, Extreme, High] };
    let bytes = mmf::to_bytes(&route);
    let read = mmf::from_bytes_owned::<level_b::Route>(&bytes).unwrap();
    let expected = [level_b::Level::Low, level_b::Level::Unknown, level_b::Level::High];
    assert_eq!((read.level, &read.stages[..]), (level_b::Level::Unknown, &expected[..]));
    // The schema of `level_b` says which variant is `other`: an upgrade by
    // it writes what the typed upgrade writes, and the verdict has no condition.
    upgrades_by_schema_as_by_type::<level_b::Route>(&bytes);
    let (a, b) = (schema::encode(level_a::Route::LAYOUT), schema::encode(level_b::Route::LAYOUT));
    let c = schema::compatibility(&a, &b).unwrap();
    assert_eq!(c.new_reads_old, Verdict::Reads, "{c}");
    assert!(matches!(c.old_reads_new, Verdict::ReadsIf(_)), "{c}");
    let decoded = mmf::DynLayout::decode(&b).unwrap();
    let mmf::DynKind::Struct(fields) = &decoded.kind else { panic!("a struct") };
    let mmf::DynKind::Enum { variants, .. } = &fields[0].layout.kind else { panic!("an enum") };
    let others: Vec<_> = variants.iter().map(|v| v.other).collect();
    assert_eq!(others, [false, false, true]);
    // An enum with data, inside a list and an option.
    let mut old = old_journal();
    old.entries.push(journal_v1::Entry::Photo { at: older(&point(8)), file: "lake.jpg".into() });
    old.last = old.entries.last().cloned();
    upgrades_by_schema_as_by_type::<journal_v3::Journal>(&mmf::to_bytes(&old));

    // A fallback that names a variant with fields, or no enum, is a problem
    // of the notes, left out when reading.
    let mut bad = b.clone();
    let notes = bad.windows(4).position(|w| w == b"MMFN").unwrap();
    let fallbacks = u32::from_le_bytes(bad[notes + 16..notes + 20].try_into().unwrap()) as usize;
    bad[notes + fallbacks..notes + fallbacks + 4].copy_from_slice(&0u32.to_le_bytes());
    let problem = schema::notes_problem(&bad).unwrap().to_string();
    assert!(problem.contains("a fallback names no variant without fields"), "{problem}");
    let decoded = mmf::DynLayout::decode(&bad).unwrap();
    let mmf::DynKind::Struct(fields) = &decoded.kind else { panic!("a struct") };
    let mmf::DynKind::Enum { variants, .. } = &fields[0].layout.kind else { panic!("an enum") };
    assert!(variants.iter().all(|v| !v.other));
    let c = schema::compatibility(&a, &bad).unwrap();
    assert!(matches!(c.new_reads_old, Verdict::ReadsIf(_)), "{c}");
}

#[test]
fn an_image_of_another_version_changes_in_place_what_it_stores_as_the_program_does() {
    let mut bytes = mmf::to_bytes(&old_book());
    let mut image = mmf::ImageMut::<v2::Book>::new(&mut bytes).unwrap();
    assert!(image.is_other_version());
    // Stored alike by both versions: changed in place.
    *image.get_mut::<f64>("hikes[0].track[1].x").unwrap() = 99.5;
    *image.get_mut::<u16>("hikes[0].year").unwrap() = 2030;
    image.get_mut::<v1::Coord>("hikes[0].summit").unwrap().set_z(1.5);
    image.get_mut::<Vec<v1::Coord>>("hikes[1].track").unwrap().get_mut(0).unwrap().set_y(7.0);
    // Stored otherwise, or not at all: refused, saying how to upgrade.
    let refusal = |e: Error| e.to_string();
    let err = refusal(image.get_mut::<u32>("hikes[0].year").unwrap_err());
    assert_eq!(
        err,
        "`hikes[0].year` cannot be changed in place: the file stores `u16` there, not `u32`; \
         rewrite the file in this program's layout first, with `mmf::upgrade` (or `mmf upgrade FILE --to SCHEMA`)"
    );
    let err = refusal(image.get_mut::<Vec<String>>("hikes[0].tags").unwrap_err());
    assert!(
        err.contains(
            "`hikes[0].tags` cannot be changed in place: the file has no `tags` after `hikes[0]`"
        ),
        "{err}"
    );
    let err = refusal(image.get_mut::<v2::Coord>("hikes[0].summit").unwrap_err());
    assert!(err.contains("the file stores `Coord` there as another version of it"), "{err}");
    assert!(image.get_mut::<v2::Hike>("hikes[0]").is_err());
    // The newer program reads the changes through its own views.
    let read = image.to_owned();
    assert_eq!((read.hikes[0].year, read.hikes[0].track[1].x), (2030, 99.5));
    assert_eq!((read.hikes[0].summit.z, read.hikes[1].track[0].y), (1.5, 7.0));
    drop(image);
    // So does the older one, whose layout the image keeps.
    let mut expected = old_book();
    expected.hikes[0].year = 2030;
    expected.hikes[0].track[1].x = 99.5;
    expected.hikes[0].summit.z = 1.5;
    expected.hikes[1].track[0].y = 7.0;
    assert_eq!(mmf::from_bytes_owned::<v1::Book>(&bytes).unwrap(), expected);
    // An image of the program's own layout: paths and types as usual.
    let mut image = mmf::ImageMut::<v1::Book>::new(&mut bytes).unwrap();
    assert!(!image.is_other_version());
    image.get_mut::<v1::Hike>("hikes[2]").unwrap().set_obsolete(8);
    assert!(matches!(image.get_mut::<u32>("hikes[0].year"), Err(Error::PathType { .. })));
    assert!(matches!(image.get_mut::<u16>("hikes[0].tags"), Err(Error::NoSuchPath { .. })));
    image.set("hikes[1].summit", &v1::Coord { x: 1.0, y: 2.0, z: 3.0 }).unwrap();
    assert!(matches!(image.set("hikes[0].year", &7u32), Err(Error::PathType { .. })));
    assert_eq!(image.root().hikes().get(1).unwrap().summit().z(), 3.0);
    assert_eq!(image.root().hikes().get(2).unwrap().obsolete(), 8);
}

#[test]
fn in_place_paths_name_fields_as_the_program_does_or_as_the_file_does() {
    let trip = |title: &str| before::Trip {
        title: title.into(),
        kind: before::Kind::Climb,
        side: before::Side { left: false },
    };
    // An older file in the newer program, which renamed `title` to `name`.
    let mut bytes = mmf::to_bytes(&trip("Eiger"));
    let mut image = mmf::ImageMut::<after::Trip>::new(&mut bytes).unwrap();
    assert!(image.is_other_version());
    assert_eq!(image.get_mut::<String>("name").unwrap(), "Eiger");
    assert_eq!(image.get_mut::<String>("title").unwrap(), "Eiger", "the file's name");
    image.get_mut::<before::Side>("side").unwrap().set_left(true);
    assert!(
        image.get_mut::<u32>("count").unwrap_err().to_string().contains("the file has no `count`")
    );
    assert!(mmf::from_bytes_owned::<before::Trip>(&bytes).unwrap().side.left);

    // A newer file in the older program, which knows the field as `title`
    // (the newer file's notes give its earlier name).
    let newer = after::Trip { name: "Rigi".into(), kind: after::Kind::Walk, count: 3 };
    let mut bytes = mmf::to_bytes(&newer);
    let mut image = mmf::ImageMut::<before::Trip>::new(&mut bytes).unwrap();
    assert!(image.is_other_version());
    assert_eq!(image.get_mut::<String>("title").unwrap(), "Rigi");
    assert_eq!(image.get_mut::<String>("name").unwrap(), "Rigi", "the file's name");
    *image.get_mut::<u32>("count").unwrap() = 4;
    assert_eq!(mmf::from_bytes_owned::<after::Trip>(&bytes).unwrap().count, 4);

    // A variant's field renamed, in a list and an option of an enum with data.
    let mut bytes = mmf::to_bytes(&old_journal());
    let mut image = mmf::ImageMut::<journal_v3::Journal>::new(&mut bytes).unwrap();
    *image.get_mut::<u16>("entries[1].Walk.duration").unwrap() = 80;
    *image.get_mut::<u16>("last?.Walk.duration").unwrap() = 6;
    let err = image.get_mut::<u16>("entries[0].Walk.duration").unwrap_err().to_string();
    assert!(err.contains("the file has no `Walk` after `entries[0]`"), "{err}");
    let read = mmf::from_bytes_owned::<journal_v1::Journal>(&bytes).unwrap();
    let minutes = |e: &journal_v1::Entry| match e {
        journal_v1::Entry::Walk { minutes, .. } => *minutes,
        _ => 0,
    };
    assert_eq!((minutes(&read.entries[1]), minutes(read.last.as_ref().unwrap())), (80, 6));
}

/// A log of fixes, inline values all, in two versions: fields reordered,
/// renamed, widened, added and removed; a variant gains a field, another
/// is added, one loses a string.
mod fixes_v1 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Fix {
        pub lat: f32,
        pub lon: f32,
        pub hdop: u8,
        pub removed: u32,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Mark {
        Nothing,
        Point { at: Fix, note: String },
        Pair(u8, u8),
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Log {
        pub fixes: Vec<Fix>,
        pub last: Option<Fix>,
        pub marks: Vec<Mark>,
    }
}

mod fixes_v2 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Fix {
        pub lon: f64,
        pub lat: f64,
        #[mmf(renamed_from = "hdop")]
        pub dilution: u16,
        pub satellites: u8,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Mark {
        Nothing,
        Point { at: Fix, label: u8 },
        Pair(u8, u8),
        Extra,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Log {
        pub fixes: Vec<Fix>,
        pub last: Option<Fix>,
        pub marks: Vec<Mark>,
    }
}

/// A version the first reads too: `hdop` renamed, `satellites` added,
/// `removed` and `Point.note` removed, `Extra` added.
mod fixes_v3 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Fix {
        pub lon: f32,
        pub lat: f32,
        #[mmf(renamed_from = "hdop")]
        pub dilution: u8,
        pub satellites: u8,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Mark {
        Nothing,
        Point { at: Fix },
        Pair(u8, u8),
        Extra,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Log {
        pub fixes: Vec<Fix>,
        pub last: Option<Fix>,
        pub marks: Vec<Mark>,
    }
}

fn old_fix(i: u8) -> fixes_v1::Fix {
    fixes_v1::Fix { lat: 46.0 + f32::from(i), lon: 7.5, hdop: i, removed: 900 + u32::from(i) }
}

fn new_fix(lat: f64, dilution: u16, satellites: u8) -> fixes_v2::Fix {
    fixes_v2::Fix { lon: 8.25, lat, dilution, satellites }
}

#[test]
fn set_stores_a_value_where_a_file_of_another_version_keeps_its_type_otherwise() {
    use fixes_v1::Mark as OldMark;
    use fixes_v2::Mark;
    let old = fixes_v1::Log {
        fixes: (0..3).map(old_fix).collect(),
        last: None,
        marks: vec![
            OldMark::Nothing,
            OldMark::Pair(1, 2),
            OldMark::Point { at: old_fix(5), note: "hut".into() },
        ],
    };
    let mut bytes = mmf::to_bytes(&old);
    let mut image = mmf::ImageMut::<fixes_v2::Log>::new(&mut bytes).unwrap();
    assert!(image.is_other_version());
    let problem = |e: Error| match e {
        Error::NotInPlace { problem, .. } => problem,
        e => panic!("not NotInPlace: {e}"),
    };

    // A struct stored otherwise: by name, converted without loss; the
    // field the program removed keeps its value, the one it added must be
    // the default.
    image.set("fixes[1]", &new_fix(48.5, 3, 0)).unwrap();
    image.set("fixes[1].dilution", &200u16).unwrap();
    let err = problem(image.set("fixes[1].dilution", &300u16).unwrap_err());
    assert_eq!(err, "the value is 300, which the file's `u8` cannot hold");
    let err = problem(image.set("fixes[2]", &new_fix(46.1, 1, 0)).unwrap_err());
    assert!(err.contains("`fixes[2].lat` is 46.1, which the file's `f32` cannot hold"), "{err}");
    let err = problem(image.set("fixes[2]", &new_fix(46.5, 1, 4)).unwrap_err());
    assert_eq!(
        err,
        "the file has no `fixes[2].satellites`, and the value's is not the default a file without it reads"
    );
    let err = problem(image.set("fixes[2].lat", &true).unwrap_err());
    assert!(err.starts_with("the file stores `f32` there, not a version of `bool`"), "{err}");
    // An option: a new value must give every field the file has but zero
    // bytes do not hold; `None` clears it.
    image.set("last", &Some(new_fix(47.0, 9, 0))).unwrap();
    // A variant by name; another variant is a new value, whose fields
    // the file has must all be given (a string cannot be).
    image.set("marks[0]", &Mark::Pair(3, 4)).unwrap();
    image.set("marks[2]", &Mark::Point { at: new_fix(45.0, 7, 0), label: 0 }).unwrap();
    let err = problem(image.set("marks[2]", &Mark::Extra).unwrap_err());
    assert_eq!(err, "the value is `Extra`, a variant the file's `Mark` does not have");
    let err = problem(
        image.set("marks[1]", &Mark::Point { at: new_fix(45.0, 7, 0), label: 0 }).unwrap_err(),
    );
    assert_eq!(
        err,
        "the file has a field `marks[1].Point.note` this program lacks, which a new value there would leave without a value"
    );
    let err = problem(
        image.set("marks[2]", &Mark::Point { at: new_fix(45.0, 7, 0), label: 2 }).unwrap_err(),
    );
    assert!(err.contains("no `marks[2].Point.label`"), "{err}");
    drop(image);

    let mut expected = old.clone();
    expected.fixes[1] = fixes_v1::Fix { lat: 48.5, lon: 8.25, hdop: 200, removed: 901 };
    expected.last = Some(fixes_v1::Fix { lat: 47.0, lon: 8.25, hdop: 9, removed: 0 });
    expected.marks[0] = OldMark::Pair(3, 4);
    expected.marks[2] = OldMark::Point {
        at: fixes_v1::Fix { lat: 45.0, lon: 8.25, hdop: 7, removed: 905 },
        note: "hut".into(),
    };
    assert_eq!(mmf::from_bytes_owned::<fixes_v1::Log>(&bytes).unwrap(), expected);
    let mut image = mmf::ImageMut::<fixes_v2::Log>::new(&mut bytes).unwrap();
    image.set("last", &None::<fixes_v2::Fix>).unwrap();
    assert_eq!(image.to_owned().last, None);

    // The older program, in a newer file it can read: what it lacks is
    // kept, its `hdop` is the file's `dilution`.
    let v3_fix = |lat: f32, dilution: u8, satellites: u8| fixes_v3::Fix {
        lon: 8.25,
        lat,
        dilution,
        satellites,
    };
    let newer = fixes_v3::Log {
        fixes: vec![v3_fix(46.0, 60, 12)],
        last: Some(v3_fix(46.0, 1, 5)),
        marks: vec![fixes_v3::Mark::Pair(1, 1), fixes_v3::Mark::Point { at: v3_fix(1.0, 2, 3) }],
    };
    let mut bytes = mmf::to_bytes(&newer);
    let mut image = mmf::ImageMut::<fixes_v1::Log>::new(&mut bytes).unwrap();
    assert!(image.is_other_version());
    image.set("fixes[0].hdop", &77u8).unwrap();
    let kept = |i| fixes_v1::Fix { removed: 0, ..old_fix(i) };
    image.set("last", &Some(kept(2))).unwrap();
    image.set("marks[1].Point.at", &kept(3)).unwrap();
    let err = problem(image.set("marks[0].Point.at", &kept(3)).unwrap_err());
    assert_eq!(err, "the file has no `Point` after `marks[0]`");
    // The value's `removed` is not the default the file without it reads.
    let err = problem(image.set("fixes[0]", &old_fix(2)).unwrap_err());
    assert!(err.contains("no `fixes[0].removed`"), "{err}");
    drop(image);
    let read = mmf::from_bytes_owned::<fixes_v3::Log>(&bytes).unwrap();
    assert_eq!(read.fixes[0], v3_fix(46.0, 77, 12));
    assert_eq!(read.last, Some(fixes_v3::Fix { lon: 7.5, lat: 48.0, dilution: 2, satellites: 5 }));
    let at = fixes_v3::Fix { lon: 7.5, lat: 49.0, dilution: 3, satellites: 3 };
    assert_eq!(read.marks[1], fixes_v3::Mark::Point { at });
}

proptest! {
    #![proptest_config(common::proptest_config(64))]

    /// Any fix the newer program stores into an older file is read back as
    /// it was by the newer program, and converted by the older one — or,
    /// where the file cannot hold it, refused with the file unchanged.
    #[test]
    fn set_stores_any_value_the_file_holds_and_refuses_the_rest(
        (lat, lon) in (any::<f32>(), any::<f64>()),
        (dilution, satellites) in (any::<u16>(), prop_oneof![Just(0u8), any::<u8>()]),
        index in 0usize..3,
    ) {
        let old = fixes_v1::Log { fixes: (0..3).map(old_fix).collect(), last: None, marks: vec![] };
        let mut bytes = mmf::to_bytes(&old);
        let before = bytes.to_vec();
        let fix = fixes_v2::Fix { lon, lat: lat.into(), dilution, satellites };
        let path = format!("fixes[{index}]");
        let stored = mmf::ImageMut::<fixes_v2::Log>::new(&mut bytes).unwrap().set(&path, &fix);
        let fits = lon.is_nan() || f64::from(lon as f32) == lon;
        if fits && dilution <= 255 && satellites == 0 {
            prop_assert!(stored.is_ok(), "{stored:?}");
            let read = &mmf::from_bytes_owned::<fixes_v2::Log>(&bytes).unwrap().fixes[index];
            prop_assert_eq!((read.lat.to_bits(), read.dilution, read.satellites), (f64::from(lat).to_bits(), dilution, 0));
            prop_assert_eq!(read.lon.is_nan(), lon.is_nan());
            if !lon.is_nan() {
                prop_assert_eq!(read.lon, lon);
            }
            let read = &mmf::from_bytes_owned::<fixes_v1::Log>(&bytes).unwrap().fixes[index];
            prop_assert_eq!((read.lat.to_bits(), read.hdop, read.removed), (lat.to_bits(), dilution as u8, 900 + index as u32));
        } else {
            prop_assert!(matches!(stored, Err(Error::NotInPlace { .. })), "{stored:?}");
            prop_assert_eq!(&bytes[..], &before[..]);
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "maps files")]
fn a_file_of_another_version_changes_in_place_under_its_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.mmf");
    drop(MappedFileMut::create(&path, &old_book()).unwrap());
    let mut file = mmf::AnyVersionMut::<v2::Book>::open(&path).unwrap();
    assert!(file.is_other_version());
    assert!(matches!(MappedFile::<v1::Book>::open(&path), Err(Error::Locked { .. })));
    let mut hike = file.get_mut::<v1::Hike>("hikes[3]").unwrap();
    hike.set_year(2031);
    hike.track_mut().get_mut(2).unwrap().set_x(-1.0);
    assert!(file.get_mut::<String>("hikes[3].country").is_err());
    assert_eq!(file.root().hikes().get(3).unwrap().year(), 2031);
    // The file numbers the variants otherwise, and keeps the year narrower.
    file.set("hikes[2].difficulty", &v2::Difficulty::Hard).unwrap();
    file.set("hikes[2].year", &2045u32).unwrap();
    assert!(file.set("hikes[2].year", &1_000_000u32).is_err());
    file.flush().unwrap();
    drop(file);
    let mut expected = old_book();
    expected.hikes[2].difficulty = v1::Difficulty::Hard;
    expected.hikes[2].year = 2045;
    expected.hikes[3].year = 2031;
    expected.hikes[3].track[2].x = -1.0;
    assert_eq!(MappedFile::<v1::Book>::open(&path).unwrap().to_owned(), expected);
    // Of the program's own layout, it is a `MappedFileMut` reached by path.
    let mut file = mmf::AnyVersionMut::<v1::Book>::open(&path).unwrap();
    assert!(!file.is_other_version());
    *file.get_mut::<u16>("hikes[3].year").unwrap() = 2032;
    drop(file);
    assert_eq!(
        MappedFile::<v2::Book>::open(&path).unwrap().root().hikes().get(3).unwrap().year(),
        2032
    );
    // Then rewritten in the newer layout, by its schema alone.
    assert!(mmf::upgrade_to_schema(&path, &mmf::schema::encode(v2::Book::LAYOUT)).unwrap());
    let file = MappedFileMut::<v2::Book>::open(&path).unwrap();
    assert_eq!(file.root().hikes().get(3).unwrap().track().get(2).unwrap().x(), -1.0);
}

proptest! {
    #![proptest_config(common::proptest_config(16))]

    /// Every single-byte change of an older book, its schema hash made to
    /// match, is refused or changes in place through the newer program's
    /// paths and types (`get_mut`, `set`): never a panic, and what it reads
    /// back is what it wrote.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for Miri")]
    fn in_place_changes_of_any_corrupted_image_of_another_version_are_ok_or_err(
        replacement in any::<u8>(),
        x in any::<f64>(),
    ) {
        let mut book = old_book();
        book.hikes.truncate(1);
        book.hikes[0].track.truncate(2);
        each_single_byte_change(mmf::to_bytes(&book).to_vec(), replacement, |_, bytes| {
            let mut image = common::fuzz::with_schema_hash_fixed(bytes);
            if let Ok(mut image) = mmf::ImageMut::<v2::Book>::new(&mut image) {
                if let Ok(x_of) = image.get_mut::<f64>("hikes[0].track[1].x") {
                    *x_of = x;
                    let read = image.root().hikes().get(0).unwrap().track().get(1).unwrap().x();
                    assert_eq!(read.to_bits(), x.to_bits());
                }
                if let Ok(mut summit) = image.get_mut::<v1::Coord>("hikes[0].summit") {
                    summit.set_y(x);
                }
                let _ = image.get_mut::<u16>("hikes[0].year").map(|year| *year = 1);
                let _ = image.get_mut::<Vec<v1::Coord>>("hikes[0].track");
                let _ = image.get_mut::<v1::Hike>("hikes[0]");
                let coord = v2::Coord { t: 0, x, y: 1.0, z: 0.5 };
                if image.set("hikes[0].summit", &coord).is_ok() {
                    let read = image.root().hikes().get(0).unwrap().summit().x();
                    assert_eq!(read.to_bits(), x.to_bits());
                }
                let _ = image.set("hikes[0].start", &Some(coord));
                let _ = image.set("hikes[0].difficulty", &v2::Difficulty::Hard);
                let _ = image.set("hikes[0].year", &2001u32);
                let _ = image.to_owned();
            }
        });
    }
}
