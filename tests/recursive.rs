//! Types that contain themselves: trees, linked lists, expressions. Their
//! offset tables refer back to the enclosing type, and values as deep as
//! 100,000 levels write, validate, view and read back. In memory only; the
//! shallow tests also run under Miri (`cargo +nightly miri test --test recursive`).

mod common;

use common::*;
use mmf::{DynImage, DynKind, DynLayout, Error, Kind, Mapped, Nested, Problem, ScalarValue};

/// A linked list of boxes. Dropped iteratively: Rust's own drop of a long
/// list recurses once per node.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Link {
    pub value: u64,
    pub next: Option<Box<Self>>,
}

impl Drop for Link {
    fn drop(&mut self) {
        let mut next = self.next.take();
        while let Some(mut link) = next {
            next = link.next.take();
        }
    }
}

fn chain(len: u64) -> Link {
    let mut head = Link { value: len - 1, next: None };
    for value in (0..len - 1).rev() {
        head = Link { value, next: Some(Box::new(head)) };
    }
    head
}

#[test]
fn the_offset_table_refers_back_to_the_enclosing_type() {
    let layout = <Node as Mapped>::LAYOUT;
    let Kind::Struct(fields) = layout.kind else { panic!("a struct") };
    let Kind::List(element) = fields[1].layout.kind else { panic!("a list") };
    assert_eq!((element.name, element.kind), ("Node", Kind::Recursive));
    assert_eq!((element.size, element.align), (layout.size, layout.align));
    // The embedded schema says the same, and the dynamic reader finds the target.
    let decoded = DynLayout::decode(&mmf::schema::encode(layout)).unwrap();
    assert_eq!(decoded, DynLayout::from_layout(layout));
    let DynKind::Struct(fields) = &decoded.kind else { panic!("a struct") };
    let DynKind::List(element) = &fields[1].layout.kind else { panic!("a list") };
    let DynKind::Recursive { target } = element.kind else { panic!("a reference") };
    assert_eq!(decoded.node(target), Some(&decoded));
    assert_eq!(decoded.to_string(), "Node");
    assert_eq!(<Expr as Mapped>::LAYOUT.max_align(), 8);
}

#[test]
fn a_tree_round_trips_and_changes_in_place() {
    let mut bytes = mmf::to_bytes(&tree());
    {
        let root = mmf::from_bytes::<Node>(&bytes).unwrap();
        let bernese = root.children().get(0).unwrap();
        assert_eq!(bernese.children().get(1).unwrap().name(), "Mönch");
        assert_eq!(root.to_owned(), tree());
        assert_eq!(format!("{root:?}"), format!("{:?}", tree()));
    }
    {
        let mut root = mmf::from_bytes_mut::<Node>(&mut bytes).unwrap();
        let mut children = root.children_mut();
        let mut bernese = children.get_mut(0).unwrap();
        let mut grandchildren = bernese.children_mut();
        let eiger = grandchildren.get_mut(0).unwrap();
        assert_eq!(eiger.name(), "Eiger");
        assert_eq!(eiger.as_view().children().len(), 0);
    }
    let image = DynImage::new(&bytes).unwrap();
    assert_eq!(image.root().path("children[0].children[1].name").unwrap().as_str(), Some("Mönch"));
}

#[test]
fn an_expression_matches_and_changes_through_nested_views() {
    let mut bytes = mmf::to_bytes(&expr());
    let view = mmf::from_bytes::<Expr>(&bytes).unwrap();
    let ExprView::Add(left, right) = view else { panic!("an addition") };
    assert!(matches!(left.get(), ExprView::Num(n) if n == 1.5));
    let ExprView::Call { name, args } = right.get() else { panic!("a call") };
    assert_eq!((name, args.len()), ("max", 2));
    assert!(matches!(args.get(1).unwrap(), ExprView::Nothing));
    assert_eq!(format!("{view:?}"), format!("{:?}", expr()));
    let _: Nested<'_, Box<Expr>> = left;

    let mut view = mmf::from_bytes_mut::<Expr>(&mut bytes).unwrap();
    if let ExprVariantMut::Add(mut left, _) = view.variant_mut() {
        if let ExprVariantMut::Num(n) = left.get_mut().variant_mut() {
            *n = 4.0;
        }
        left.into_mut().set(Expr::Nothing).unwrap();
    }
    let mut expected = expr();
    let Expr::Add(left, _) = &mut expected else { unreachable!() };
    **left = Expr::Nothing;
    assert_eq!(mmf::from_bytes_owned::<Expr>(&bytes).unwrap(), expected);
    let image = DynImage::new(&bytes).unwrap();
    let arg = image.root().path("Add.1.Call.args[0].Num.0").unwrap();
    assert_eq!(arg.scalar(), Some(ScalarValue::F64(2.0)));
}

#[test]
#[cfg_attr(miri, ignore = "100,000 levels take hours under Miri")]
fn a_list_of_100_000_boxes_writes_validates_views_and_reads_back() {
    const LEN: u64 = 100_000;
    let bytes = mmf::to_bytes(&chain(LEN));
    let head = mmf::from_bytes::<Link>(&bytes).unwrap();
    let (mut count, mut sum, mut link) = (0, 0, Some(head));
    while let Some(view) = link {
        count += 1;
        sum += view.value();
        link = view.next();
    }
    assert_eq!((count, sum), (LEN, LEN * (LEN - 1) / 2));
    let back = mmf::from_bytes_owned::<Link>(&bytes).unwrap();
    assert_eq!(mmf::to_bytes(&back)[..], bytes[..], "the same bytes again");
    let image = DynImage::new(&bytes).unwrap();
    let mut value = image.root();
    for _ in 0..LEN - 1 {
        value = value.path("next?").unwrap();
    }
    assert_eq!(value.path("value").unwrap().scalar(), Some(ScalarValue::U64(LEN - 1)));
}

/// The image of a root `Link` and `links` more, built by hand (writing
/// refuses values deeper than `MAX_NESTING`): a `Link` is 24 bytes, `value`
/// then `next` (tag, padding, offset); the root at 64, each link right after
/// the one before, then the schema.
fn hand_made_chain(links: u64) -> mmf::AlignedBytes {
    let short = mmf::to_bytes(&chain(1));
    let mut header = mmf::Header::read(&short).unwrap();
    let schema = &short[header.schema_offset as usize..][..header.schema_len as usize];
    let mut image = vec![0u8; 64 + 24 * (links as usize + 1)];
    for i in 0..=links {
        let at = 64 + 24 * i as usize;
        image[at..at + 8].copy_from_slice(&i.to_ne_bytes());
        if i < links {
            image[at + 8] = 1;
            image[at + 16..at + 24].copy_from_slice(&(at as u64 + 24).to_ne_bytes());
        }
    }
    header.schema_offset = image.len() as u64;
    image.extend_from_slice(schema);
    header.data_len = image.len() as u64;
    image[..64].copy_from_slice(bytemuck::bytes_of(&header));
    mmf::AlignedBytes::from_slice(&image)
}

#[test]
#[cfg_attr(miri, ignore = "a million levels take days under Miri")]
fn a_file_nested_deeper_than_the_limit_is_refused() {
    // Within the limit: the root and MAX_NESTING - 1 links.
    let bytes = hand_made_chain(u64::from(mmf::MAX_NESTING) - 1);
    assert!(mmf::from_bytes::<Link>(&bytes).is_ok());
    let bytes = hand_made_chain(u64::from(mmf::MAX_NESTING));
    let err = mmf::from_bytes::<Link>(&bytes).unwrap_err();
    let Error::Invalid { problem, path } = &err else { panic!("{err}") };
    let levels = mmf::MAX_NESTING + 1;
    let offset = 64 + 24 * u64::from(mmf::MAX_NESTING);
    assert_eq!(*problem, Problem::NestedTooDeep { offset, levels });
    assert_eq!(path.segments().len(), 2 * mmf::MAX_NESTING as usize, "next? per level");
    let dynamic = DynImage::new(&bytes).err().unwrap();
    assert_eq!(dynamic.to_string(), err.to_string(), "the schema reader says the same");
}
