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
    assert_eq!(root.fields().count(), 34);
    assert_eq!(root.fields().last().map(|(name, _)| name), Some("hikes"));

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
    let dir = temp_dir("dynamic-file");
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
    let flag_at = typed.raw().flags.offset as usize + 1;
    let mut bad = AlignedBytes::from_slice(&bytes);
    bad[flag_at] = 7;
    let err = DynImage::new(&bad).err().unwrap();
    assert_eq!(err.to_string(), mmf::from_bytes::<Everything>(&bad).err().unwrap().to_string());
    assert!(err.to_string().starts_with("flags[1]: invalid bool 7"), "{err}");
}

#[test]
fn hostile_schemas_are_refused() {
    let deep = {
        let mut s = b"MMFS".to_vec();
        s.extend(1u32.to_le_bytes());
        s.extend(std::iter::repeat_n(21u8, 100_000));
        s.push(1);
        s
    };
    let err = DynLayout::decode(&deep).unwrap_err();
    assert!(err.to_string().contains("nest deeper than 64 levels"), "{err}");
    assert!(DynLayout::decode(b"MMFS").is_err());
    assert!(DynLayout::decode(b"").is_err());
    let mut bad_field = mmf::schema::encode(Coord::LAYOUT);
    let z_offset = bad_field.len() - 1 - 8;
    bad_field[z_offset..z_offset + 8].copy_from_slice(&1000u64.to_le_bytes());
    let err = DynLayout::decode(&bad_field).unwrap_err();
    assert!(err.to_string().contains("does not fit the struct"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut schema = b"MMFS\x01\x00\x00\x00".to_vec();
        schema.extend(bytes);
        let _ = DynLayout::decode(&schema);
    }

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
