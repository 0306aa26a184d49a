//! `Box<T>`: a value in a block of its own, read and changed through the box
//! as if it were inline, and checked like any block. In memory only, so these
//! tests also run under Miri (`cargo +nightly miri test --test boxes`).

// A list of boxes is one of the things stored here.
#![allow(clippy::vec_box)]

mod common;

use common::*;
use mmf::{Error, Kind, Mapped, Problem};

#[derive(Mapped, Debug, Clone, PartialEq)]
struct Trail {
    name: String,
    start: Box<Coord>,
    best: Option<Box<Hike>>,
    stages: Vec<Box<Shape>>,
}

fn trail() -> Trail {
    Trail {
        name: "Via Alpina".into(),
        start: Box::new(coord(1)),
        best: Some(Box::new(hike(3, 4))),
        stages: vec![Box::new(Shape::Circle { r: 2.0 }), Box::new(Shape::Label("Etappe".into()))],
    }
}

#[test]
fn a_box_reads_and_changes_as_its_value_does() {
    let value = trail();
    let mut bytes = mmf::to_bytes(&value);
    let view = mmf::from_bytes::<Trail>(&bytes).unwrap();
    assert_eq!(view.to_owned(), value);
    assert_eq!(view.start().z(), coord(1).z, "the box's view is the value's");
    assert_eq!(view.best().unwrap().gps_track().len(), 4);
    assert!(matches!(view.stages().get(1), Some(ShapeView::Label("Etappe"))));
    assert_eq!(<Box<Coord> as Mapped>::LAYOUT.size, 8, "an offset");
    assert!(
        matches!(<Box<Coord> as Mapped>::LAYOUT.kind, Kind::Box(inner) if inner.name == "Coord")
    );

    {
        let mut trail = mmf::from_bytes_mut::<Trail>(&mut bytes).unwrap();
        trail.start_mut().set_z(-5.0);
        trail.best_mut().unwrap().gps_track_mut()[0].x = 1.25;
        if let ShapeVariantMut::Circle { r } = trail.stages_mut().get_mut(0).unwrap().variant_mut()
        {
            *r = 4.0;
        }
    }
    let read = mmf::from_bytes::<Trail>(&bytes).unwrap().to_owned();
    assert_eq!(read.start.z, -5.0);
    assert_eq!(read.best.unwrap().gps_track[0].x, 1.25);
    assert_eq!(*read.stages[0], Shape::Circle { r: 4.0 });
}

#[test]
fn the_same_value_gives_the_same_bytes() {
    assert_eq!(&mmf::to_bytes(&trail())[..], &mmf::to_bytes(&trail())[..]);
}

/// The offset of the `start` box in a `Trail` image.
fn start_box(bytes: &[u8]) -> usize {
    let view = mmf::from_bytes::<Trail>(bytes).unwrap();
    std::ptr::from_ref(&view.raw().unwrap().start) as usize - bytes.as_ptr() as usize
}

#[test]
fn a_box_pointing_outside_the_file_or_into_another_block_is_refused() {
    let good = mmf::to_bytes(&trail());
    let at = start_box(&good);

    let mut bytes = good.clone();
    bytes[at..at + 8].copy_from_slice(&(good.len() as u64).to_ne_bytes());
    let err = mmf::from_bytes::<Trail>(&bytes).unwrap_err();
    let Error::Invalid { path, problem } = &err else { panic!("{err}") };
    assert_eq!(path.to_string(), "start");
    assert!(matches!(problem, Problem::OutOfBounds { .. }), "{problem:?}");
    let by_schema = mmf::DynImage::new(&bytes).err().expect("refused by schema too");
    assert_eq!(by_schema.to_string(), err.to_string());

    // Pointing at the header, or misaligned.
    for offset in [0u64, 8, 3] {
        let mut bytes = good.clone();
        bytes[at..at + 8].copy_from_slice(&offset.to_ne_bytes());
        assert!(mmf::from_bytes::<Trail>(&bytes).is_err(), "offset {offset}");
    }

    // Two boxes sharing one block would let two `&mut` alias: refused.
    let view = mmf::from_bytes::<Trail>(&good).unwrap();
    let name = view.raw().unwrap().name.offset;
    let mut bytes = good.clone();
    bytes[at..at + 8].copy_from_slice(&name.to_ne_bytes());
    let err = mmf::from_bytes::<Trail>(&bytes).unwrap_err();
    assert!(matches!(err, Error::Invalid { problem: Problem::Overlap { .. }, .. }), "{err}");
}
