//! Reading files without their Rust types: the embedded schema decoded into a
//! `DynLayout`, validation by it, and `DynValue` lookups by name, index and path.

mod common;

use common::fuzz::everything_from;
use common::*;
use mmf::{AlignedBytes, DynFile, DynImage, DynLayout, Error, Mapped, MappedFileMut, ScalarValue};
use proptest::prelude::*;

#[test]
fn the_embedded_schema_decodes_to_the_rust_layout() {
    fn check<T: Mapped>() {
        let decoded = DynLayout::decode(&mmf::schema::encode(T::LAYOUT)).unwrap();
        assert_eq!(decoded, DynLayout::from_layout(T::LAYOUT), "{}", T::LAYOUT.name);
    }
    check::<Everything>();
    check::<HikingDatabase>();
    check::<Padded>();
    check::<Pair>();
    check::<Empty>();
    check::<Vec<Option<[u16; 3]>>>();
    check::<Option<Weather>>();
}

/// What [`check_notes`] met: fields, and enums' `other` variants.
#[derive(Default, Debug, PartialEq)]
struct Noted {
    fields: usize,
    others: usize,
}

/// Walks a Rust layout and its decoded schema side by side and checks each
/// field's notes against the Rust field, and each variant's `other`: the
/// notes follow the records' order through structs, maps, enums' variants
/// and recursive types.
fn check_notes(rust: &mmf::Layout, decoded: &DynLayout, root: &DynLayout, noted: &mut Noted) {
    use mmf::{DynKind, Kind};
    let pair_fields = |rust: &[mmf::FieldLayout], decoded: &[mmf::DynField], noted: &mut Noted| {
        assert_eq!(rust.len(), decoded.len());
        for (r, d) in rust.iter().zip(decoded) {
            assert_eq!(r.name, d.name);
            let notes = d.notes.as_ref().expect("every field of a schema mmf writes has notes");
            assert_eq!(notes.renamed_from, r.renamed_from, "{}", r.name);
            let default = d.default_value(root);
            assert_eq!(r.default.is_some(), default.is_some(), "the default of {}", r.name);
            noted.fields += 1;
            check_notes(r.layout, &d.layout, root, noted);
        }
    };
    match (&rust.kind, &decoded.kind) {
        (Kind::Struct(r), DynKind::Struct(d)) => pair_fields(r, d, noted),
        (Kind::Enum { variants: r, .. }, DynKind::Enum { variants: d, .. }) => {
            for (r, d) in r.iter().zip(d) {
                assert_eq!(r.other, d.other, "whether `{}` is `other`", r.name);
                noted.others += usize::from(d.other);
                pair_fields(r.fields, d.fields(), noted);
            }
        }
        (
            Kind::List(r) | Kind::Option(r) | Kind::Box(r),
            DynKind::List(d) | DynKind::Option(d) | DynKind::Box(d),
        ) => check_notes(r, d, root, noted),
        (Kind::Array { element: r, .. }, DynKind::Array { element: d, .. }) => {
            check_notes(r, d, root, noted)
        }
        (Kind::Map { key, value, .. }, DynKind::Map { key: k, value: v, .. }) => {
            check_notes(key, k, root, noted);
            if let (Some(r), Some(d)) = (value, v) {
                check_notes(r, d, root, noted);
            }
        }
        _ => {}
    }
}

/// The struct and variant fields reachable from `Everything`, once per place.
const EVERYTHING_FIELDS: usize = 165;

/// Enums with `other` variants behind maps, an enum with data and the
/// types of `Everything`, so that the notes' type records are counted
/// through every kind.
mod skies {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Mood {
        Calm,
        #[mmf(other)]
        Unknown,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Sky {
        Clear,
        Cloudy {
            cover: u8,
            mood: Mood,
        },
        #[mmf(other)]
        Strange,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Log {
        pub by_day: std::collections::BTreeMap<u16, Vec<Sky>>,
        pub moods: std::collections::HashMap<String, Mood>,
        pub everything: crate::common::Everything,
        pub last: Option<Sky>,
        pub mood: Mood,
    }
}

#[test]
fn notes_hold_every_fields_earlier_names_and_default_and_every_other_variant() {
    fn check<T: Mapped>(expected: Noted) {
        let decoded = DynLayout::decode(&mmf::schema::encode(T::LAYOUT)).unwrap();
        let mut noted = Noted::default();
        check_notes(T::LAYOUT, &decoded, &decoded, &mut noted);
        assert_eq!(noted, expected, "{}", T::LAYOUT.name);
    }
    check::<Everything>(Noted { fields: EVERYTHING_FIELDS, others: 0 });
    // Database 3, hike 4, coordinate 4 (twice: in the track and the summit).
    check::<common::later::HikingDatabase>(Noted { fields: 3 + 4 + 4 + 4, others: 0 });
    // Log 5, Cloudy 2 (twice), and `Everything`'s; `Sky` twice, `Mood` four times.
    let fields = 5 + 2 + 2 + EVERYTHING_FIELDS;
    check::<skies::Log>(Noted { fields, others: 2 + 4 });
    let decoded = DynLayout::decode(&mmf::schema::encode(common::later::HikingDatabase::LAYOUT));
    let decoded = decoded.unwrap();
    let mmf::DynKind::Struct(fields) = &decoded.kind else { panic!("a struct") };
    assert_eq!(fields[2].default_value(&decoded).unwrap().as_str(), Some("unknown"));
    // A default's value, as the program declared it.
    let decoded = DynLayout::decode(&mmf::schema::encode(common::later::Hike::LAYOUT)).unwrap();
    let mmf::DynKind::Struct(fields) = &decoded.kind else { panic!("a struct") };
    let day = &fields[0];
    assert_eq!(day.notes.as_ref().unwrap().renamed_from, ["date"]);
    assert_eq!(day.default_value(&decoded).unwrap().as_str(), Some(""));
}

#[test]
fn values_are_found_by_name_index_and_path() -> Result<(), Error> {
    let value = everything();
    let bytes = mmf::to_bytes(&value);
    let image = DynImage::new(&bytes)?;
    let root = image.root();
    assert_eq!(image.layout().to_string(), "Everything");
    assert_eq!(root.field("a_u64").and_then(|v| v.scalar()), Some(ScalarValue::U64(u64::MAX - 1)));
    assert_eq!(root.field("letter").and_then(|v| v.scalar()), Some(ScalarValue::Char('ß')));
    assert_eq!(root.field("text").and_then(|v| v.as_str()), Some(value.text.as_str()));
    assert_eq!(root.path("numbers[3]")?.scalar(), Some(ScalarValue::U16(65535)));
    assert_eq!(root.path("some_text?")?.as_str(), Some("da"));
    assert!(root.path("none")?.option().unwrap().is_none());
    assert_eq!(root.path("difficulty")?.variant(), Some((7, Some("Hard"))));
    assert_eq!(root.path("weather[1]")?.variant(), Some((1000, Some("Rain"))));
    assert_eq!(root.path("pair.1")?.scalar(), Some(ScalarValue::F64(2.25)));
    assert_eq!(root.path("coords[1].z")?.scalar(), Some(ScalarValue::F64(value.coords[1].z)));
    assert_eq!(root.path("nested_lists[1][2]")?.as_str(), Some("ç"));
    let z = root.path("hikes[0].gps_track[2].z")?.scalar();
    assert_eq!(z, Some(ScalarValue::F64(value.hikes[0].gps_track[2].z)));
    assert_eq!(root.path("hikes")?.len(), Some(2));
    assert_eq!(root.path("hikes")?.elements().count(), 2);
    assert_eq!(root.fields().count(), 53);
    assert_eq!(root.fields().last().map(|(name, _)| name), Some("reading"));
    assert_eq!(root.path("reading")?.layout().name, "Reading<Coord>");
    assert_eq!(root.path("reading.Series.label")?.as_str(), Some("track"));
    assert_eq!(root.path("by_difficulty[Hard]")?.scalar(), Some(ScalarValue::U32(3)));
    let visits = root.path(r#"by_year_and_peak[(2024, "Rigi")]"#)?.scalar();
    assert_eq!(visits, Some(ScalarValue::U8(2)));
    // Types that contain themselves: paths go on through them.
    assert_eq!(root.path("tree.children[0].children[1].name")?.as_str(), Some("Mönch"));
    assert_eq!(root.path("expr.Add.1.Call.name")?.as_str(), Some("max"));
    // Tuples are anonymous structs with fields `0`, `1`, ….
    assert_eq!(root.path("lat_lon.1")?.scalar(), Some(ScalarValue::F64(8.3)));
    assert_eq!(root.path("named_counts[0].0")?.as_str(), Some("Rigi"));
    assert_eq!(root.path("mixed.1?.1")?.scalar(), Some(ScalarValue::Char('ü')));
    assert_eq!(root.path("mixed.2[2]")?.scalar(), Some(ScalarValue::U8(6)));
    assert_eq!(root.path("mixed")?.layout().name, "(u8, Option<(u16, char)>, [u8; 3])");
    let years: Vec<_> = root.path("years")?.entries().map(|(k, _)| k.scalar()).collect();
    assert_eq!(years, [-44, 1291, 2024].map(|y| Some(ScalarValue::I64(y))));
    // A map's key in brackets: quoted for strings, as written for numbers.
    assert_eq!(root.path(r#"counts["Rigi"]"#)?.scalar(), Some(ScalarValue::U64(3)));
    let z = root.path("hikes_by_year[2024].gps_track[1].z")?.scalar();
    assert_eq!(z, Some(ScalarValue::F64(hike(4, 2).gps_track[1].z)));
    assert_eq!(root.path("years[1291]")?.scalar(), Some(ScalarValue::I64(1291)));
    assert_eq!(root.path(r#"tags["lake"]"#)?.as_str(), Some("lake"));
    assert_eq!(root.path(r#"tags[""]"#)?.as_str(), Some(""));
    for missing in [r#"counts["Titlis"]"#, "years[1292]", "hikes_by_year[1999]", "counts[3]"] {
        assert!(root.path(missing).is_err(), "{missing}");
    }
    let counts: Vec<_> = root.path("counts")?.entries().collect();
    assert_eq!(counts.len(), 2);
    assert!(counts.iter().all(|(k, v)| k.as_str().is_some() && v.is_some()));
    assert_eq!(root.path("series")?.layout().name, "Series<Coord>");
    // Paths step through boxes by themselves.
    assert_eq!(
        root.path("boxed.gps_track[1].z")?.scalar(),
        Some(ScalarValue::F64(hike(7, 2).gps_track[1].z))
    );
    assert_eq!(root.path("maybe_boxed?.x")?.scalar(), Some(ScalarValue::F64(coord(5).x)));
    assert_eq!(root.path("boxed")?.layout().name, "Hike");
    // An enum's variant is a step of the path, found only if it is the one held.
    assert_eq!(root.path("shape.Path.closed")?.scalar(), Some(ScalarValue::Bool(true)));
    assert_eq!(root.path("shapes[2].Label.0")?.as_str(), Some("Säntis"));
    assert_eq!(root.path("shapes[1].Segment.1.y")?.scalar(), Some(ScalarValue::F64(coord(2).y)));
    assert_eq!(root.path("shapes[4]")?.variant(), Some((4, Some("Empty"))));
    assert!(root.path("shapes[0].Label").is_err());
    assert_eq!(root.path("marker?.Peak.height")?.scalar(), Some(ScalarValue::F32(2962.0)));
    assert_eq!(root.path("marker?")?.variant(), Some((10, Some("Peak"))));

    let missing = root.path("hikes[7].date").unwrap_err();
    assert_eq!(missing.to_string(), "no `[7]` after `hikes` in the path `hikes[7].date`");
    let missing = root.path("hikes[0].altitude").unwrap_err();
    assert_eq!(
        missing.to_string(),
        "no `altitude` after `hikes[0]` in the path `hikes[0].altitude`"
    );
    Ok(())
}

#[test]
fn a_file_opens_without_its_type() -> Result<(), Error> {
    let tmp = temp_dir("dynamic-file");
    let dir = tmp.path();
    let path = dir.join("db.mmf");
    let db = database(3, 7);
    drop(MappedFileMut::create(&path, &db)?);
    let file = DynFile::open(&path)?;
    assert_eq!(file.layout(), &DynLayout::from_layout(HikingDatabase::LAYOUT));
    assert_eq!(file.root().path("hikes[2].date")?.as_str(), Some(db.hikes[2].date.as_str()));
    assert_eq!(file.header().schema_hash, HikingDatabase::SCHEMA_HASH);
    Ok(())
}

#[test]
fn invalid_values_are_refused_with_their_path() {
    let bytes = mmf::to_bytes(&everything());
    let typed = mmf::from_bytes::<Everything>(&bytes).unwrap();
    let flag_at = typed.raw().unwrap().flags.offset as usize + 1;
    let mut bad = AlignedBytes::from_slice(&bytes);
    bad[flag_at] = 7;
    let err = DynImage::new(&bad).err().unwrap();
    assert_eq!(err.to_string(), mmf::from_bytes::<Everything>(&bad).err().unwrap().to_string());
    assert!(err.to_string().starts_with("flags[1]: invalid bool 7"), "{err}");
}

/// A schema of `depth` nested lists of `u8`, as mmf would encode it.
fn nested_lists(depth: u32) -> Vec<u8> {
    let names = b"Vec".repeat(depth as usize).into_iter().chain(*b"u8").collect::<Vec<u8>>();
    let mut s = b"MMFS".to_vec();
    for word in [4, depth + 1, 0, 0, names.len() as u32, 0, 0] {
        s.extend(u32::to_le_bytes(word));
    }
    for i in 0..depth {
        s.extend([21, 0, 0, 0]);
        s.extend((3 * i).to_le_bytes());
        s.extend(3u32.to_le_bytes());
        s.extend((i + 1).to_le_bytes());
        for word in [0u64, 16, 8] {
            s.extend(word.to_le_bytes());
        }
    }
    s.extend([1, 0, 0, 0]);
    s.extend((3 * depth).to_le_bytes());
    s.extend(2u32.to_le_bytes());
    s.extend(0u32.to_le_bytes());
    for word in [0u64, 1, 1] {
        s.extend(word.to_le_bytes());
    }
    s.extend(names);
    s
}

#[test]
fn hostile_schemas_are_refused() {
    assert_eq!(nested_lists(3), mmf::schema::encode(<Vec<Vec<Vec<u8>>>>::LAYOUT));
    assert!(DynLayout::decode(&nested_lists(64)).is_ok());
    let err = DynLayout::decode(&nested_lists(100_000)).unwrap_err();
    assert!(err.to_string().contains("nest deeper than 64 levels"), "{err}");
    assert!(DynLayout::decode(b"MMFS").is_err());
    assert!(DynLayout::decode(b"").is_err());

    // A list whose element is itself: a cycle, refused as pointing back up the tree.
    let mut cycle = nested_lists(2);
    cycle[32 + 40 + 12..32 + 40 + 16].copy_from_slice(&0u32.to_le_bytes());
    let err = DynLayout::decode(&cycle).unwrap_err();
    assert!(err.to_string().contains("back up the tree"), "{err}");

    // Coord's `z` (the third field record) moved past the struct's end.
    let mut bad_field = mmf::schema::encode(Coord::LAYOUT);
    let z_offset = 32 + 4 * 40 + 2 * 24 + 8;
    bad_field[z_offset..z_offset + 8].copy_from_slice(&1000u64.to_le_bytes());
    let err = DynLayout::decode(&bad_field).unwrap_err();
    assert!(err.to_string().contains("do not fit its kind and fields"), "{err}");
}

proptest! {
    #![proptest_config(common::proptest_config(64))]

    /// Any change of a schema's bytes decodes to some layout or fails with an
    /// error; never a panic.
    #[test]
    fn corrupted_schemas_decode_or_fail_cleanly(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut schema = mmf::schema::encode(Everything::LAYOUT);
        for (at, byte) in edits {
            let at = at.index(schema.len());
            schema[at] = byte;
        }
        let _ = DynLayout::decode(&schema);
    }
}

proptest! {
    // Each case checks every byte of an image, twice.
    #![proptest_config(common::proptest_config(16))]

    /// With the schema intact, reading by schema accepts exactly what reading
    /// by type accepts, for every single-byte change.
    #[test]
    fn schema_and_type_agree_on_every_corruption(
        input in proptest::collection::vec(any::<u8>(), 0..400),
        replacement in any::<u8>(),
    ) {
        let bytes = mmf::to_bytes(&everything_from(&input));
        for at in 0..bytes.len() {
            let mut bad = AlignedBytes::from_slice(&bytes);
            bad[at] = replacement;
            let typed = mmf::from_bytes::<Everything>(&bad).map(drop);
            let by_schema = DynImage::new(&bad).map(drop);
            prop_assert_eq!(typed.is_ok(), by_schema.is_ok(), "byte {}: {:?} / {:?}", at, typed, by_schema);
        }
    }
}
