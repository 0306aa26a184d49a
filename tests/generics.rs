//! Generic structs: one derive, a layout and a schema per instantiation.

mod common;

use common::*;
use mmf::{Kind, Mapped, MappedFile, MappedFileMut};

/// Fields of a parameter's own type, or an option of it, are stored out of
/// line (their layout would depend on the parameter); the rest are inline.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Pair<A, B> {
    pub id: u8,
    pub first: A,
    pub second: Option<B>,
    pub many: Series<B>,
}

/// A bound given by hand instead of the inferred `T: Mapped`.
#[derive(Mapped, Debug, Clone, PartialEq)]
#[mmf(bound = "T: mmf::Mapped + Clone")]
pub struct Latest<T>
where
    T: Clone,
{
    pub items: Vec<T>,
}

fn series() -> Series<Coord> {
    Series { name: "Säntis".into(), points: (0..4).map(coord).collect() }
}

fn pair() -> Pair<f32, Series<Coord>> {
    Pair {
        id: 7,
        first: 2.5,
        second: Some(series()),
        many: Series { name: "two".into(), points: vec![series(), series()] },
    }
}

#[test]
fn instantiations_round_trip_and_name_themselves() {
    let bytes = mmf::to_bytes(&series());
    let view = mmf::from_bytes::<Series<Coord>>(&bytes).unwrap();
    assert_eq!(view.to_owned(), series());
    assert_eq!(view.points().get(2).unwrap().z(), coord(2).z);
    assert_eq!(view.points().get(3).unwrap().x(), coord(3).x);

    let bytes = mmf::to_bytes(&pair());
    let view = mmf::from_bytes::<Pair<f32, Series<Coord>>>(&bytes).unwrap();
    assert_eq!(view.to_owned(), pair());
    assert_eq!(view.first(), 2.5);
    assert_eq!(view.second().unwrap().name(), "Säntis");
    assert_eq!(view.many().points().get(1).unwrap().points().len(), 4);

    assert_eq!(<Series<Coord> as Mapped>::LAYOUT.name, "Series<Coord>");
    assert_eq!(<Series<Vec<[u8; 4]>> as Mapped>::LAYOUT.name, "Series<Vec<[u8; 4]>>");
    assert_eq!(<Pair<f32, Series<Coord>> as Mapped>::LAYOUT.name, "Pair<f32, Series<Coord>>");
    assert_eq!(
        mmf::DynImage::new(&bytes).unwrap().layout().to_string(),
        "Pair<f32, Series<Coord>>"
    );
}

#[test]
fn every_instantiation_has_its_own_schema_and_the_same_layout() {
    assert_ne!(<Series<Coord> as Mapped>::SCHEMA_HASH, <Series<u8> as Mapped>::SCHEMA_HASH);
    // A list is 16 bytes whatever it holds, so every `Series` is laid out alike.
    for layout in [<Series<u8> as Mapped>::LAYOUT, <Series<Hike> as Mapped>::LAYOUT] {
        assert_eq!((layout.size, layout.align), (32, 8));
    }
    // `first: A` and `second: Option<B>` are boxes: 8 bytes whatever `A` is.
    let layout = <Pair<u128, Coord> as Mapped>::LAYOUT;
    let Kind::Struct(fields) = layout.kind else { panic!("a struct") };
    let kinds: Vec<_> = fields.iter().map(|f| (f.name, f.offset, f.size)).collect();
    assert_eq!(kinds, [("id", 0, 1), ("first", 8, 8), ("second", 16, 8), ("many", 24, 32)]);
    assert!(matches!(fields[1].layout.kind, Kind::Box(inner) if inner.name == "u128"));

    // A file of one instantiation is refused as another, naming the difference.
    let bytes = mmf::to_bytes(&series());
    let err = mmf::from_bytes::<Series<Hike>>(&bytes).unwrap_err().to_string();
    assert!(err.contains("points[_]: type `Coord` in the file, `Hike` in this program"), "{err}");
}

#[test]
fn a_generic_file_opens_changes_and_reads_by_schema() {
    let tmp = temp_dir("generic-file");
    let path = tmp.path().join("pair.mmf");
    drop(MappedFileMut::create(&path, &pair()).unwrap());
    {
        let mut file = MappedFileMut::<Pair<f32, Series<Coord>>>::open(&path).unwrap();
        let mut root = file.root_mut();
        root.set_id(8);
        *root.first_mut() = -1.0;
        root.second_mut().unwrap().points_mut()[0].z = 9.0;
        file.flush().unwrap();
    }
    let file = MappedFile::<Pair<f32, Series<Coord>>>::open(&path).unwrap();
    let mut expected = pair();
    expected.id = 8;
    expected.first = -1.0;
    expected.second.as_mut().unwrap().points[0].z = 9.0;
    assert_eq!(file.to_owned(), expected);
    drop(file);

    let file = mmf::DynFile::open(&path).unwrap();
    let root = file.root();
    let z = root.path("second?.points[0].z").unwrap().scalar();
    assert_eq!(z, Some(mmf::ScalarValue::F64(9.0)));
    assert_eq!(root.path("first").unwrap().scalar(), Some(mmf::ScalarValue::F32(-1.0)));
}

#[test]
fn a_hand_written_bound_replaces_the_inferred_one() {
    let latest = Latest { items: vec![String::from("a"), String::from("b")] };
    let bytes = mmf::to_bytes(&latest);
    let view = mmf::from_bytes::<Latest<String>>(&bytes).unwrap();
    assert_eq!(view.items().iter().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(view.to_owned(), latest);
}

/// Tuples with a parameter in them: the derive adds `Vec<(T, u32)>: Mapped`
/// and `(T, T): Mapped` to the inferred bounds; `(T, T)` is stored out of line.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Tagged<T> {
    pub pairs: Vec<(T, u32)>,
    pub both: (T, T),
}

#[test]
fn tuples_of_a_parameter_round_trip() {
    let value = Tagged { pairs: vec![(coord(1), 7), (coord(2), 8)], both: (coord(3), coord(4)) };
    let bytes = mmf::to_bytes(&value);
    let view = mmf::from_bytes::<Tagged<Coord>>(&bytes).unwrap();
    let (first, tag) = view.pairs().get(1).unwrap();
    assert_eq!((first.x(), tag), (coord(2).x, 8));
    assert_eq!(view.both().1.z(), coord(4).z);
    assert_eq!(view.to_owned(), value);
    assert_eq!(<Tagged<u8> as Mapped>::LAYOUT.name, "Tagged<u8>");
    assert_eq!(<Tagged<u8> as Mapped>::LAYOUT.size, 24, "a list, and a box for `both`");
}

/// A generic enum: fields of a parameter's own type are stored out of line,
/// as in a generic struct; every instantiation is its own type in files.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub enum Either<L, R> {
    Left(L),
    Right { value: R, note: String },
    Neither,
}

#[test]
fn generic_enums_round_trip_match_and_name_their_instantiation() {
    let value: Vec<Either<u8, Coord>> = vec![
        Either::Left(3),
        Either::Right { value: coord(1), note: "Rigi".into() },
        Either::Neither,
    ];
    let bytes = mmf::to_bytes(&value);
    let view = mmf::from_bytes::<Vec<Either<u8, Coord>>>(&bytes).unwrap();
    assert_eq!(view.to_vec(), value);
    let Some(EitherView::Right { value: point, note }) = view.get(1) else { panic!("right") };
    assert_eq!((point.x(), note), (coord(1).x, "Rigi"));
    assert_eq!(<Either<u8, Coord> as Mapped>::LAYOUT.name, "Either<u8, Coord>");
    assert_ne!(
        <Either<u8, Coord> as Mapped>::SCHEMA_HASH,
        <Either<u16, Coord> as Mapped>::SCHEMA_HASH
    );
    let image = mmf::DynImage::new(&bytes).unwrap();
    assert_eq!(image.root().path("[1].Right.note").unwrap().as_str(), Some("Rigi"));
    assert_eq!(image.root().path("[0].Left.0").unwrap().scalar(), Some(mmf::ScalarValue::U8(3)));

    let series = Reading::Series { label: "z".into(), values: vec![1.5f64, 2.5] };
    let mut bytes = mmf::to_bytes(&series);
    {
        let mut reading = mmf::from_bytes_mut::<Reading<f64>>(&mut bytes).unwrap();
        if let ReadingVariantMut::Series { mut values, .. } = reading.variant_mut() {
            values.as_mut_slice()[1] = 3.5;
        }
        let changed = Reading::Series { label: "z".into(), values: vec![1.5, 3.5] };
        assert_eq!(reading.to_owned(), changed);
        assert_eq!(reading.set(Reading::Missing), Ok(()));
    }
    assert_eq!(mmf::from_bytes_owned::<Reading<f64>>(&bytes).unwrap(), Reading::Missing);
}
