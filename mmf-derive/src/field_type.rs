//! Which Rust types a field may have: the type table's rows pass, everything
//! that cannot live in a file is refused on its own span with what to use instead.

use proc_macro2::Ident;
use syn::{GenericArgument, PathArguments, Type, TypePath};

use crate::ctxt::Ctxt;

/// Reports every part of `ty` that mmf cannot store. `own` is the deriving
/// type's name, and `generic` whether it has type parameters: a generic type
/// may not contain itself.
pub fn check(cx: &mut Ctxt, ty: &Type, own: &Ident, generic: bool) {
    match ty {
        Type::Path(path) => check_path(cx, path, own, generic),
        Type::Array(array) => check(cx, &array.elem, own, generic),
        Type::Paren(inner) => check(cx, &inner.elem, own, generic),
        Type::Group(inner) => check(cx, &inner.elem, own, generic),
        Type::Reference(_) => cx.error_spanned_by(
            ty,
            "references cannot be stored in a file; use `String` for `&str`, `Vec<T>` for `&[T]`, or the value itself",
        ),
        Type::Ptr(_) => cx.error_spanned_by(
            ty,
            "raw pointers cannot be stored in a file; store the value itself, or an index as `u64`",
        ),
        Type::Slice(_) => cx.error_spanned_by(ty, "`[T]` is unsized; use `Vec<T>` or `Box<[T]>`"),
        Type::Tuple(tuple) if tuple.elems.is_empty() => cx.error_spanned_by(
            ty,
            "`()` holds no data and is not supported; remove the field",
        ),
        Type::Tuple(tuple) if tuple.elems.len() > 12 => cx.error_spanned_by(
            ty,
            "tuples of more than 12 elements are not supported; use a struct with `#[derive(Mapped)]`",
        ),
        Type::Tuple(tuple) => tuple.elems.iter().for_each(|elem| check(cx, elem, own, generic)),
        Type::BareFn(_) => cx.error_spanned_by(ty, "function pointers cannot be stored in a file"),
        Type::TraitObject(_) | Type::ImplTrait(_) => cx.error_spanned_by(
            ty,
            "trait objects cannot be stored in a file; use a concrete type or a fieldless enum",
        ),
        Type::Never(_) => cx.error_spanned_by(ty, "`!` cannot be stored in a file"),
        _ => cx.error_spanned_by(ty, "this type cannot be stored in an mmf file"),
    }
}

fn check_path(cx: &mut Ctxt, path: &TypePath, own: &Ident, generic: bool) {
    if path.qself.is_some() {
        cx.error_spanned_by(path, "qualified paths are not supported; name the type directly");
        return;
    }
    let Some(last) = path.path.segments.last() else { return };
    let name = last.ident.to_string();
    if (last.ident == *own || name == "Self") && generic {
        cx.error_spanned_by(
            path,
            "generic types that contain themselves are not supported; make the type concrete, or store children in a separate `Vec` and refer to them by index (`u64`)",
        );
        return;
    }
    let message = match name.as_str() {
        "usize" => Some("`usize` has a platform-dependent size; use `u64` or `u32`".to_owned()),
        "isize" => Some("`isize` has a platform-dependent size; use `i64` or `i32`".to_owned()),
        "str" => Some("`str` is unsized; use `String` or `Box<str>`".to_owned()),
        "Rc" | "Arc" | "Weak" => Some(format!(
            "`{name}` is a pointer to shared memory and cannot be stored in a file; store the value itself"
        )),
        "Cell" | "RefCell" | "UnsafeCell" | "OnceCell" | "Mutex" | "RwLock" => Some(format!(
            "`{name}` is interior mutability, which a file cannot hold; store the value itself and update it through the generated `…ViewMut`"
        )),
        "VecDeque" | "LinkedList" | "BinaryHeap" => {
            Some(format!("`{name}` is not supported; use `Vec<T>`"))
        }
        "Cow" => Some("`Cow` is not supported; use `String` or `Vec<T>`".to_owned()),
        "PhantomData" => {
            Some("`PhantomData` holds no data and is not supported; remove the field".to_owned())
        }
        _ => None,
    };
    if let Some(message) = message {
        cx.error_spanned_by(path, message);
        return;
    }
    for segment in &path.path.segments {
        if let PathArguments::AngleBracketed(args) = &segment.arguments {
            for arg in &args.args {
                match arg {
                    GenericArgument::Type(Type::Slice(slice)) if name == "Box" => {
                        check(cx, &slice.elem, own, generic);
                    }
                    GenericArgument::Type(ty) if !is_str(ty) => check(cx, ty, own, generic),
                    GenericArgument::Type(_) => {}
                    GenericArgument::Lifetime(lifetime) => cx.error_spanned_by(
                        lifetime,
                        "borrowed data cannot be stored in a file; use an owned type",
                    ),
                    _ => {}
                }
            }
        }
    }
}

fn is_str(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("str"))
}
