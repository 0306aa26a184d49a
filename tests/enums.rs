//! Enums with data: how they are stored, viewed, changed in place and
//! checked. In memory only, so these tests also run under Miri
//! (`cargo +nightly miri test --test enums`).

mod common;

use common::*;
use mmf::{Error, Kind, Mapped, Problem, Scalar};

fn image(value: &Vec<Shape>) -> mmf::AlignedBytes {
    mmf::to_bytes(value)
}

#[test]
fn every_variant_round_trips_and_matches_as_a_view() {
    let value = shapes();
    let bytes = image(&value);
    let view = mmf::from_bytes::<Vec<Shape>>(&bytes).unwrap();
    assert_eq!(view.to_vec(), value);
    let mut seen = Vec::new();
    for shape in view.iter() {
        seen.push(match shape {
            ShapeView::Circle { r } => format!("circle {r}"),
            ShapeView::Segment(a, b) => format!("segment {} {}", a.x(), b.y()),
            ShapeView::Label(text) => format!("label {text}"),
            ShapeView::Path { name, points, closed } => {
                format!("path {name:?} {} {closed}", points.len())
            }
            ShapeView::Empty => "empty".to_owned(),
        });
    }
    assert_eq!(
        seen,
        [
            "circle 1.5".to_owned(),
            format!("segment {} {}", coord(1).x, coord(2).y),
            "label Säntis".to_owned(),
            "path \"\" 0 false".to_owned(),
            "empty".to_owned(),
        ]
    );
    assert_eq!(
        format!("{:?}", view.get(0).unwrap()),
        format!("{:?}", Shape::Circle { r: 1.5 }),
        "a view prints as the value does"
    );
    assert_eq!(format!("{:?}", view.get(4).unwrap()), "Empty");
}

#[test]
fn the_stored_form_is_the_tag_then_the_largest_variant() {
    let layout = <Shape as Mapped>::LAYOUT;
    // Segment holds two 24-byte coordinates after the tag, padded to 8.
    assert_eq!((layout.size, layout.align), (8 + 48, 8));
    let Kind::Enum { repr, variants } = layout.kind else { panic!("an enum") };
    assert_eq!(repr, Scalar::U8, "no `repr`: the smallest integer that holds the variants");
    let names: Vec<_> = variants.iter().map(|v| (v.name, v.discriminant)).collect();
    assert_eq!(names, [("Circle", 0), ("Segment", 1), ("Label", 2), ("Path", 3), ("Empty", 4)]);
    let offsets: Vec<_> = variants[3].fields.iter().map(|f| (f.name, f.offset)).collect();
    assert_eq!(offsets, [("name", 8), ("points", 24), ("closed", 40)]);
    assert_eq!(variants[1].fields[1].name, "1");

    let layout = <Marker as Mapped>::LAYOUT;
    let Kind::Enum { repr, variants } = layout.kind else { panic!("an enum") };
    assert_eq!(repr, Scalar::U16);
    let discriminants: Vec<_> = variants.iter().map(|v| v.discriminant).collect();
    assert_eq!(discriminants, [3, 10, 11], "explicit, then one more than the previous");
    // f32 after a u16 tag: at 4; the whole is 12 bytes.
    assert_eq!((layout.size, layout.align, variants[1].fields[0].offset), (12, 4, 4));
}

#[test]
fn the_same_value_gives_the_same_bytes_with_zeroed_padding() {
    let value = vec![Marker::Flag(0xff), Marker::Plain, Marker::Peak { height: 1.0, named: true }];
    let a = mmf::to_bytes(&value);
    let b = mmf::to_bytes(&value.clone());
    assert_eq!(&a[..], &b[..]);
    let view = mmf::from_bytes::<Vec<Marker>>(&a).unwrap();
    let raw: &[u8] = bytemuck::cast_slice(view.try_as_slice().unwrap());
    // Flag: tag 3, one padding byte, the u8, then zeroes to 12 bytes.
    assert_eq!(&raw[..12], &[3, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&raw[12..24], &[11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn fields_of_the_variant_held_change_in_place() {
    let mut bytes = image(&shapes());
    {
        let mut list = mmf::from_bytes_mut::<Vec<Shape>>(&mut bytes).unwrap();
        for mut shape in list.iter_mut() {
            match shape.variant_mut() {
                ShapeVariantMut::Circle { r } => *r = 3.0,
                ShapeVariantMut::Segment(mut a, mut b) => {
                    a.set_x(-1.0);
                    b.set_z(-2.0);
                }
                ShapeVariantMut::Label(text) => assert_eq!(text, "Säntis"),
                ShapeVariantMut::Path { name, points, mut closed } => {
                    assert!(name.is_empty() && points.is_empty());
                    closed.set(true);
                }
                ShapeVariantMut::Empty => {}
            }
        }
    }
    let mut expected = shapes();
    expected[0] = Shape::Circle { r: 3.0 };
    expected[1] = Shape::Segment(Coord { x: -1.0, ..coord(1) }, Coord { z: -2.0, ..coord(2) });
    expected[3] = Shape::Path { name: String::new(), points: vec![], closed: true };
    assert_eq!(mmf::from_bytes::<Vec<Shape>>(&bytes).unwrap().to_vec(), expected);
}

#[test]
fn the_variant_changes_in_place_only_to_one_stored_inline() {
    let mut bytes = image(&shapes());
    {
        let mut list = mmf::from_bytes_mut::<Vec<Shape>>(&mut bytes).unwrap();
        let mut label = list.get_mut(2).unwrap();
        // A label's text needs a block of its own: given back, nothing written.
        let refused = label.set(Shape::Label("Pilatus".into()));
        assert_eq!(refused, Err(Shape::Label("Pilatus".into())));
        assert_eq!(label.to_owned(), Shape::Label("Säntis".into()));
        // Two coordinates are stored inline, in the room every variant has.
        label.set(Shape::Segment(coord(7), coord(8))).unwrap();
        assert_eq!(label.to_owned(), Shape::Segment(coord(7), coord(8)));
        list.get_mut(3).unwrap().set(Shape::Empty).unwrap();
        list.get_mut(0).unwrap().set(Shape::Circle { r: 0.5 }).unwrap();
    }
    let read = mmf::from_bytes::<Vec<Shape>>(&bytes).unwrap().to_vec();
    assert_eq!(
        read[..4],
        [
            Shape::Circle { r: 0.5 },
            Shape::Segment(coord(1), coord(2)),
            Shape::Segment(coord(7), coord(8)),
            Shape::Empty
        ]
    );
    // The bytes of the old, larger variant are zeroed: the same as written anew.
    let fresh = image(&read);
    let len = size_of::<<Shape as Mapped>::Raw>();
    let (old, new) = (
        mmf::from_bytes::<Vec<Shape>>(&bytes).unwrap(),
        mmf::from_bytes::<Vec<Shape>>(&fresh).unwrap(),
    );
    let raw_bytes = |list: mmf::ListView<'_, Shape>| -> Vec<u8> {
        bytemuck::cast_slice::<_, u8>(list.try_as_slice().unwrap())[len * 3..len * 4].to_vec()
    };
    assert_eq!(raw_bytes(old), raw_bytes(new));
}

#[test]
fn an_enum_of_inline_variants_is_set_like_any_inline_field() {
    let mut value = everything();
    value.marker = Some(Marker::Plain);
    let mut bytes = mmf::to_bytes(&value);
    mmf::from_bytes_mut::<Everything>(&mut bytes).unwrap().set_marker(Some(Marker::Flag(9)));
    let view = mmf::from_bytes::<Everything>(&bytes).unwrap();
    assert!(matches!(view.marker(), Some(MarkerView::Flag(9))));
}

/// The offset of the first element of a `Vec<Shape>` image, and the size of one.
fn first_element(bytes: &[u8]) -> (usize, usize) {
    let list = mmf::from_bytes::<Vec<Shape>>(bytes).unwrap();
    let at = list.try_as_slice().unwrap().as_ptr() as usize - bytes.as_ptr() as usize;
    (at, size_of::<<Shape as Mapped>::Raw>())
}

#[test]
fn an_unknown_tag_is_refused_naming_the_path() {
    let mut bytes = image(&shapes());
    let (at, size) = first_element(&bytes);
    bytes[at + 2 * size] = 9;
    let err = mmf::from_bytes::<Vec<Shape>>(&bytes).unwrap_err();
    let Error::Invalid { path, problem } = &err else { panic!("{err}") };
    assert_eq!(path.to_string(), "[2]");
    assert!(
        matches!(problem, Problem::UnknownDiscriminant { value: 9, enum_name, .. } if enum_name == "Shape"),
        "{problem:?}"
    );
    let dynamic = mmf::DynImage::new(&bytes).err().unwrap();
    assert_eq!(dynamic.to_string(), err.to_string(), "the schema reader says the same");
}

#[test]
fn the_fields_of_the_variant_held_are_validated() {
    let mut bytes = image(&shapes());
    let (at, size) = first_element(&bytes);
    // The label's text: its offset, past the end of the file.
    let text = at + 2 * size + 8;
    bytes[text..text + 8].copy_from_slice(&u64::MAX.to_ne_bytes());
    let err = mmf::from_bytes::<Vec<Shape>>(&bytes).unwrap_err();
    let Error::Invalid { path, .. } = &err else { panic!("{err}") };
    assert_eq!(path.to_string(), "[2].Label.0");
    assert_eq!(mmf::DynImage::new(&bytes).err().unwrap().to_string(), err.to_string());

    // The same bytes under a unit variant's tag mean nothing, and are not read.
    bytes[at + 2 * size] = 4;
    let list = mmf::from_bytes::<Vec<Shape>>(&bytes).unwrap();
    assert!(matches!(list.get(2), Some(ShapeView::Empty)));
}

#[test]
fn a_changed_variant_is_named_by_path_in_a_schema_mismatch() {
    #[derive(Mapped)]
    #[mmf(crate = "mmf")]
    #[allow(dead_code)]
    enum Shape {
        Circle { r: f64, centre: Coord },
        Segment(Coord, Coord),
        Label(String),
        Path { name: String, points: Vec<Coord>, closed: bool },
        Ring { r: f64 },
    }
    let bytes = image(&shapes());
    let err = mmf::from_bytes::<Vec<Shape>>(&bytes).unwrap_err();
    let message = err.to_string();
    for difference in [
        "[_].Circle.centre: Coord, new in this program: the file lacks it",
        "[_]: variant `Ring` is new in this program",
        "[_]: variant `Empty` is in the file only",
    ] {
        assert!(message.contains(difference), "{message}");
    }
}
