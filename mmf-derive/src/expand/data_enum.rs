//! Enums with data: stored as the discriminant, zeroed padding, then the
//! fields of the variant held, in room for the largest variant. Each variant
//! with fields gets a mirror struct of its own (`ShapeCircleRaw`); the view is
//! an enum of the variants' field views (`ShapeView::Circle { r }`).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::Member;

use super::layout::{self, Part};
use super::{Struct, asserts, mirror};
use crate::ast::{Input, Repr, Style, Variant};
use crate::generics;

/// Everything the parts of one enum's expansion share.
struct Enum<'a> {
    input: &'a Input<'a>,
    variants: &'a [Variant<'a>],
    private: TokenStream,
    /// The integer the discriminant is stored as.
    int: Ident,
    scalar: Ident,
    raw: Ident,
    view: Ident,
    view_mut: Ident,
    variant_mut: Ident,
    /// Per variant: its mirror struct, if it has fields.
    variant_raws: Vec<Option<Ident>>,
    /// Per variant: the constant holding its discriminant.
    discriminants: Vec<Ident>,
    /// The enum's generics with the bounds every generated item gets (see
    /// `generics::bounded`: `T: Mapped` for parameters, `Field: Mapped` for
    /// the fields of a concrete enum).
    generics: syn::Generics,
}

impl Enum<'_> {
    fn is_generic(&self) -> bool {
        self.generics.type_params().next().is_some()
    }

    /// `where` and the bounds, or nothing.
    fn where_clause(&self) -> TokenStream {
        let (_, _, where_clause) = self.generics.split_for_impl();
        quote!(#where_clause)
    }

    /// The bounds alone, to extend a `where` clause that has others.
    fn predicates(&self) -> TokenStream {
        let predicates = self.generics.where_clause.iter().flat_map(|c| &c.predicates);
        quote!(#(#predicates,)*)
    }

    /// `<T, U>` for an item's parameters (nothing for a concrete enum).
    fn impl_generics(&self) -> TokenStream {
        let (impl_generics, _, _) = self.generics.split_for_impl();
        quote!(#impl_generics)
    }

    /// `<'__mmf, T, U>` for a view's parameters.
    fn view_impl_generics(&self) -> TokenStream {
        let generics = generics::with_view_lifetime(&self.generics);
        let (impl_generics, _, _) = generics.split_for_impl();
        quote!(#impl_generics)
    }

    /// `name<T, U>`: a generated type with the enum's arguments.
    fn ty(&self, name: &Ident) -> TokenStream {
        let (_, args, _) = self.generics.split_for_impl();
        quote!(#name #args)
    }

    /// `name<'lifetime, T, U>`: a view type.
    fn view_ty(&self, name: &Ident, lifetime: TokenStream) -> TokenStream {
        let params = self.generics.type_params().map(|p| &p.ident);
        quote!(#name<#lifetime #(, #params)*>)
    }

    /// `name::<T, U>`, to name a generated struct in a pattern.
    fn turbofish(&self, name: &Ident) -> TokenStream {
        let (_, args, _) = self.generics.split_for_impl();
        let args = args.as_turbofish();
        quote!(#name #args)
    }
}

pub fn data_enum(
    input: &Input,
    repr: Option<&Repr>,
    variants: &[Variant],
    private: TokenStream,
    generics: syn::Generics,
) -> TokenStream {
    let ident = input.ident;
    // Without a `repr`, the discriminants are the variants' indices, in the
    // smallest integer that holds them all.
    let (int, scalar) = match repr {
        Some(repr) => (repr.ident.clone(), format_ident!("{}", repr.scalar)),
        None if variants.len() <= 1 << 8 => (format_ident!("u8"), format_ident!("U8")),
        None if variants.len() <= 1 << 16 => (format_ident!("u16"), format_ident!("U16")),
        None => (format_ident!("u32"), format_ident!("U32")),
    };
    let e = Enum {
        input,
        variants,
        private,
        int,
        scalar,
        raw: format_ident!("{}Raw", ident),
        view: format_ident!("{}View", ident),
        view_mut: format_ident!("{}ViewMut", ident),
        variant_mut: format_ident!("{}VariantMut", ident),
        variant_raws: variants
            .iter()
            .map(|v| (!v.fields.is_empty()).then(|| format_ident!("{}{}Raw", ident, v.ident)))
            .collect(),
        discriminants: (0..variants.len()).map(|i| format_ident!("__MMF_D{}", i)).collect(),
        generics,
    };
    let variant_mirrors = variant_mirrors(&e);
    let raw = raw_struct(&e);
    let view = view_enum(&e);
    let (view_mut, view_mut_methods) = view_mut(&e);
    let mapped = mapped_impl(&e);
    let discriminants = discriminant_consts(&e, repr.is_some());
    let private = &e.private;
    let pins =
        input.attrs.schema.as_ref().map(|schema| asserts::schema_pin(private, ident, schema));
    let checks = (!e.is_generic()).then(|| asserts::checks(private, ident, quote!(#pins)));
    quote! {
        #variant_mirrors
        #raw
        #view
        #view_mut
        #[doc(hidden)]
        const _: () = {
            #discriminants
            #mapped
            #view_mut_methods
            #checks
        };
    }
}

/// `const __MMF_D0: u8 = …;` per variant: the given discriminant, one more
/// than the previous one, or the variant's index without a `repr`.
fn discriminant_consts(e: &Enum, has_repr: bool) -> TokenStream {
    let int = &e.int;
    let consts = e.variants.iter().enumerate().map(|(i, v)| {
        let name = &e.discriminants[i];
        let value = match (v.discriminant, i) {
            (Some(expr), _) if has_repr => quote!(#expr),
            (_, 0) => quote!(0),
            _ => {
                let previous = &e.discriminants[i - 1];
                quote!(#previous + 1)
            }
        };
        quote!(const #name: #int = #value;)
    });
    quote!(#(#consts)*)
}

/// The variant's fields, laid out like a struct's, as `Struct` for the mirror generator.
fn variant_struct<'a>(e: &'a Enum, index: usize, raw: &Ident) -> Struct<'a> {
    let v = &e.variants[index];
    Struct {
        input: e.input,
        doc_name: format!("{}::{}", e.input.ident, v.ident),
        vis: e.input.vis,
        fields: &v.fields,
        tuple: v.style == Style::Tuple,
        private: e.private.clone(),
        raw: raw.clone(),
        view: raw.clone(),
        view_mut: raw.clone(),
        generics: e.generics.clone(),
    }
}

fn variant_mirrors(e: &Enum) -> TokenStream {
    let mirrors = e.variant_raws.iter().enumerate().filter_map(|(i, raw)| {
        let raw = raw.as_ref()?;
        Some(mirror::mirror(&variant_struct(e, i, raw)))
    });
    quote!(#(#mirrors)*)
}

/// `(size, align)` of the room for the largest variant's mirror, measured
/// from the fields (see `mirror::size_align_list`), in a `measuring` block.
fn payload_room(e: &Enum) -> TokenStream {
    let private = &e.private;
    let pairs = e.variant_raws.iter().enumerate().filter_map(|(i, raw)| {
        raw.as_ref()?;
        let list = mirror::size_align_list(&variant_struct(e, i, &e.raw));
        Some(quote!((#private::struct_size(#list), #private::largest(#list).1)))
    });
    quote!(#private::largest(&[#(#pairs),*]))
}

/// The stored form: `tag`, padding, the payload bytes, trailing padding.
fn raw_struct(e: &Enum) -> TokenStream {
    let private = &e.private;
    let ident = e.input.ident;
    let vis = e.input.vis;
    let (raw_id, int) = (&e.raw, &e.int);
    let raw = &e.ty(raw_id);
    let impl_generics = e.impl_generics();
    let where_clause = e.where_clause();
    let room = payload_room(e);
    let list = quote!(&[(::core::mem::size_of::<#int>(), ::core::mem::align_of::<#int>()), #room]);
    let measure = |expr: TokenStream| {
        quote!({
            use #private::MeasureFallback as _;
            #expr
        })
    };
    let pad_tag = measure(quote!(#private::padding_before(#list, 1)));
    let payload_len = measure(quote!(#room.0));
    let pad_end = measure(quote!(#private::padding_before(#list, 2)));
    let option_pad = measure(quote!(#private::largest(#list).1 - 1));
    let size_mod16 = measure(quote!(#private::struct_size(#list) % 16));
    let align = measure(quote!(#private::largest(#list).1));
    let aligns: Vec<_> = e.variant_raws.iter().flatten().map(|vraw| e.ty(vraw)).collect();
    let align_fields = (0..aligns.len()).map(|i| format_ident!("__mmf_align{}", i));
    let doc = format!(
        "The stored form of [`{ident}`]: the discriminant of the variant held, then its \
         fields' stored forms; `#[repr(C)]` plain data with explicit, zeroed padding."
    );
    let raw_name = raw_id.to_string();
    quote! {
        #[doc = #doc]
        #[repr(C)]
        #vis struct #raw_id #impl_generics #where_clause {
            // Zero-sized: they give the struct the alignment of every variant.
            #(#align_fields: [#aligns; 0],)*
            /// The discriminant of the variant held.
            pub tag: #int,
            __mmf_pad_tag: [u8; #pad_tag],
            __mmf_payload: [u8; #payload_len],
            __mmf_pad_end: [u8; #pad_end],
        }

        #[doc(hidden)]
        const _: () = {
            // As for a struct's mirror: `repr(C)`, every field `Pod`, and the
            // explicit padding leaves no implicit padding (checked by
            // `CHECKED`, which `Mapped::LAYOUT` evaluates).
            #[automatically_derived]
            impl #impl_generics #raw #where_clause {
                const CHECKED: () = {
                    ::core::assert!(
                        ::core::mem::size_of::<#raw>() == #private::struct_size(#list),
                        "the mirror struct has implicit padding",
                    );
                    #(
                        ::core::assert!(
                            ::core::mem::offset_of!(#raw, __mmf_payload) % ::core::mem::align_of::<#aligns>() == 0,
                            "a variant's fields are misaligned in the payload",
                        );
                    )*
                };
            }

            // SAFETY: `repr(C)`, every field is `Pod`, and there is no implicit
            // padding (asserted above), so all-zero bytes are a valid value.
            #[automatically_derived]
            impl #impl_generics ::core::clone::Clone for #raw #where_clause {
                fn clone(&self) -> Self {
                    *self
                }
            }
            #[automatically_derived]
            impl #impl_generics ::core::marker::Copy for #raw #where_clause {}

            #[automatically_derived]
            unsafe impl #impl_generics #private::bytemuck::Zeroable for #raw #where_clause {}
            // SAFETY: as for `Zeroable`: any bytes are a valid value, the type is
            // `Copy` and `'static`.
            #[automatically_derived]
            unsafe impl #impl_generics #private::bytemuck::Pod for #raw #where_clause {}
            // SAFETY: the padding is exactly `align_of::<Self>() - 1` bytes, and
            // the size and alignment are the type's own (as `CHECKED` asserts).
            #[automatically_derived]
            unsafe impl #impl_generics #private::RawData for #raw #where_clause {
                type OptionPad = [u8; #option_pad];
                type SizeMod16 = #private::Mod16<#size_mod16>;
                type Align = #private::Align<#align>;
            }

            #[automatically_derived]
            impl #impl_generics ::core::fmt::Debug for #raw #where_clause {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#raw_name).field("tag", &self.tag).finish_non_exhaustive()
                }
            }
        };
    }
}

/// `path`, `path(values…)` or `path { field: value, … }` as the variant is
/// written: a constructor, or a pattern when the values are bindings.
fn build(path: TokenStream, v: &Variant, values: &[TokenStream]) -> TokenStream {
    match v.style {
        Style::Unit => path,
        Style::Tuple => quote!(#path(#(#values),*)),
        Style::Named => {
            let members: Vec<&Member> = v.fields.iter().map(|f| &f.member).collect();
            quote!(#path { #(#members: #values),* })
        }
    }
}

fn bindings(v: &Variant) -> Vec<TokenStream> {
    (0..v.fields.len())
        .map(|i| {
            let b = format_ident!("__mmf_b{}", i);
            quote!(#b)
        })
        .collect()
}

/// A pattern matching variant `v` of the value, binding its fields, and the
/// bindings as the fields' stored types take them: a field stored out of
/// line as `Indirect(value)`.
fn value_pattern(e: &Enum, v: &Variant) -> (TokenStream, Vec<TokenStream>) {
    let (private, ident, vname) = (&e.private, e.input.ident, v.ident);
    let b = bindings(v);
    let pattern = build(quote!(#ident::#vname), v, &b);
    let values = v
        .fields
        .iter()
        .zip(&b)
        .map(|(f, b)| if f.indirect { quote!(#private::Indirect::wrap(#b)) } else { quote!(#b) })
        .collect();
    (pattern, values)
}

/// The types of a variant's fields in its view (`mutable`: in-place view): the
/// field's view, or `Nested` for a field that would hold the enum's own view.
fn field_view_types(e: &Enum, v: &Variant, mutable: bool) -> Vec<TokenStream> {
    let private = &e.private;
    let (nested, view) =
        if mutable { (quote!(NestedMut), quote!(ViewMut)) } else { (quote!(Nested), quote!(View)) };
    let field = |f: &crate::ast::Field| {
        let ty = &f.stored;
        if f.nested {
            quote!(#private::#nested<'__mmf, #ty>)
        } else {
            quote!(<#ty as #private::Mapped>::#view<'__mmf>)
        }
    };
    v.fields.iter().map(field).collect()
}

fn view_enum(e: &Enum) -> TokenStream {
    let private = &e.private;
    let ident = e.input.ident;
    let vis = e.input.vis;
    let view = &e.view;
    let variants = e.variants.iter().map(|v| {
        let name = v.ident;
        let types = field_view_types(e, v, false);
        let doc = format!("[`{ident}::{name}`]: its fields' views.");
        let body = build(quote!(#name), v, &types);
        quote!(#[doc = #doc] #body)
    });
    let doc = format!(
        "A read-only view of a [`{ident}`] in a file: the variant held, with its fields' views, \
         read in place. `match` it as you would the enum."
    );
    let arms = e.variants.iter().map(|v| {
        let name = v.ident;
        let name_str = name.to_string();
        let b = bindings(v);
        let pattern = build(quote!(#view::#name), v, &b);
        let fields = v.fields.iter().zip(&b).map(|(f, b)| {
            let ty = &f.stored;
            let value = if f.nested {
                quote!(#b)
            } else {
                quote!(&#private::FieldDebug::<#ty, #private::Check<'__mmf, #ty>>::new(*#b))
            };
            match v.style {
                Style::Named => {
                    let name = &f.name;
                    quote!(.field(#name, #value))
                }
                _ => quote!(.field(#value)),
            }
        });
        let body = match v.style {
            Style::Unit => quote!(f.write_str(#name_str)),
            Style::Tuple => quote!(f.debug_tuple(#name_str) #(#fields)* .finish()),
            Style::Named => quote!(f.debug_struct(#name_str) #(#fields)* .finish()),
        };
        quote!(#pattern => #body,)
    });
    let all_types: Vec<_> = e.variants.iter().flat_map(|v| &v.fields).map(|f| &f.stored).collect();
    // A recursive enum's bound would require itself: its views are always `Debug`.
    let bounded: &[&syn::Type] = if e.input.is_recursive() { &[] } else { &all_types };
    let predicates = e.predicates();
    let where_clause = e.where_clause();
    let view_generics = e.view_impl_generics();
    let view_ty = e.view_ty(view, quote!('__mmf));
    quote! {
        #[doc = #doc]
        #vis enum #view #view_generics #where_clause {
            #(#variants,)*
        }

        #[automatically_derived]
        impl #view_generics ::core::clone::Clone for #view_ty #where_clause {
            fn clone(&self) -> Self {
                *self
            }
        }
        #[automatically_derived]
        impl #view_generics ::core::marker::Copy for #view_ty #where_clause {}

        #[automatically_derived]
        impl #view_generics ::core::fmt::Debug for #view_ty
        where
            #predicates
            #(#private::Check<'__mmf, #bounded>: #private::DebugView<#bounded>),*
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

/// `match raw.tag { D0 => arm(0), …, _ => arm(0) }`: an unknown discriminant
/// (possible only if the file changed after validation) reads as the first
/// variant, whose fields' views check every offset again.
fn match_tag(e: &Enum, tag: TokenStream, arm: impl Fn(usize) -> TokenStream) -> TokenStream {
    let arms = (1..e.variants.len()).map(|i| {
        let d = &e.discriminants[i];
        let body = arm(i);
        quote!(#d => #body,)
    });
    let first = arm(0);
    quote! {
        match #tag {
            #(#arms)*
            _ => #first,
        }
    }
}

/// The in-place view's types, and their methods (which match on the
/// discriminant constants, so they go where those are defined).
fn view_mut(e: &Enum) -> (TokenStream, TokenStream) {
    let private = &e.private;
    let ident = e.input.ident;
    let vis = e.input.vis;
    let (view, view_mut, variant_mut) = (&e.view, &e.view_mut, &e.variant_mut);
    let raw = &e.ty(&e.raw);
    let ident_ty = &e.ty(ident);
    let variants = e.variants.iter().map(|v| {
        let name = v.ident;
        let types = field_view_types(e, v, true);
        let doc = format!("[`{ident}::{name}`]: its fields' in-place views.");
        let body = build(quote!(#name), v, &types);
        quote!(#[doc = #doc] #body)
    });
    let variant_arm = |i: usize| {
        let v = &e.variants[i];
        let name = v.ident;
        let Some(vraw) = &e.variant_raws[i] else {
            return quote!(#variant_mut::#name);
        };
        let b = bindings(v);
        let idents: Vec<_> = v.fields.iter().map(|f| &f.ident).collect();
        let values: Vec<_> = v
            .fields
            .iter()
            .zip(&b)
            .map(|(f, b)| {
                let ty = &f.stored;
                let view_mut = if f.nested {
                    quote!(#private::NestedMut::<#ty>::new)
                } else {
                    quote!(<#ty as #private::Mapped>::view_mut)
                };
                quote! {
                    // SAFETY: each field gets its own stored form and a handle
                    // to the file for the blocks reachable from it, which are
                    // disjoint from every other field's (validated or written so).
                    unsafe { #view_mut(#b, file.alias()) }
                }
            })
            .collect();
        let built = build(quote!(#variant_mut::#name), v, &values);
        let (pattern, vraw) = (e.turbofish(vraw), e.ty(vraw));
        quote! {{
            let #pattern { #(#idents: #b,)* .. } = #private::payload_mut::<#vraw>(&mut raw.__mmf_payload);
            #built
        }}
    };
    let variant_match = match_tag(e, quote!(raw.tag), variant_arm);
    let inline_arms = e.variants.iter().map(|v| {
        let name = v.ident;
        let pattern = match v.style {
            Style::Unit => quote!(#ident::#name),
            Style::Tuple => quote!(#ident::#name(..)),
            Style::Named => quote!(#ident::#name { .. }),
        };
        let tys: Vec<_> = v.fields.iter().map(|f| &f.stored).collect();
        quote!(#pattern => !(false #(|| <#tys as #private::Mapped>::HAS_BLOCKS)*),)
    });
    let doc = format!(
        "An in-place view of a [`{ident}`] in a file: the variant's fields are changed \
         where they lie ([`variant_mut`]({view_mut}::variant_mut)), and the variant itself \
         by [`set`]({view_mut}::set) when the new one holds no strings or lists."
    );
    let variant_doc = format!("The variant a [`{ident}`] holds, with its fields' in-place views.");
    let predicates = e.predicates();
    let where_clause = e.where_clause();
    let view_generics = e.view_impl_generics();
    let view_mut_ty = e.view_ty(view_mut, quote!('__mmf));
    let (view_anon, variant_mut_anon) =
        (e.view_ty(view, quote!('_)), e.view_ty(variant_mut, quote!('_)));
    let view_any = e.view_ty(view, quote!('__v));
    let types = quote! {
        #[doc = #variant_doc]
        #vis enum #variant_mut #view_generics #where_clause {
            #(#variants,)*
        }

        #[doc = #doc]
        #vis struct #view_mut #view_generics #where_clause {
            inner: #private::StructMut<'__mmf, #raw>,
        }
    };
    let methods = quote! {
        #[automatically_derived]
        impl #view_generics #view_mut_ty #where_clause {
            /// A read-only view.
            #[inline]
            pub fn as_view(&self) -> #view_anon {
                let (raw, file) = self.inner.shared();
                // SAFETY: `&self` keeps every `&mut` from this view away while
                // the result lives; the view was made with `Mapped::view_mut`'s
                // promise, which covers `view`'s.
                unsafe { <#ident_ty as #private::Mapped>::view(raw, file) }
            }

            /// The variant held, with in-place views of its fields.
            pub fn variant_mut(&mut self) -> #variant_mut_anon {
                // SAFETY: nothing here writes the tag or a padding byte; the
                // file is used only for the fields' own blocks.
                let (raw, file) = unsafe { self.inner.parts() };
                #variant_match
            }

            /// Replaces the value in place, variant included, when the new
            /// variant's fields are all stored inline (no strings, lists or
            /// other blocks); otherwise gives the value back, since its blocks
            /// would need room in the file (write a new file instead).
            pub fn set(&mut self, value: #ident_ty) -> ::core::result::Result<(), #ident_ty> {
                let inline = match &value {
                    #(#inline_arms)*
                };
                if !inline {
                    return ::core::result::Result::Err(value);
                }
                let stored = #private::write_inline(&value);
                // SAFETY: the stored form of a variant whose fields hold no
                // offsets, made by its own `write`: valid, and it reaches no block.
                unsafe { *self.inner.parts().0 = stored };
                ::core::result::Result::Ok(())
            }

            /// The stored form itself, as it lies in the file.
            #[inline]
            pub fn raw(&self) -> &#raw {
                self.inner.shared().0
            }

            /// Copies the value out of the file.
            #[allow(clippy::wrong_self_convention, clippy::should_implement_trait)]
            pub fn to_owned(&self) -> #ident_ty {
                let (raw, file) = self.inner.shared();
                // SAFETY: as for `as_view`.
                unsafe { <#ident_ty as #private::Mapped>::read(raw, file) }
            }
        }

        #[automatically_derived]
        impl #view_generics ::core::fmt::Debug for #view_mut_ty
        where
            #predicates
            for<'__v> #view_any: ::core::fmt::Debug
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.as_view(), f)
            }
        }
    };
    (types, methods)
}

fn mapped_impl(e: &Enum) -> TokenStream {
    let earlier_names = super::renamed_from(e.input);
    let where_clause = e.where_clause();
    let predicates = e.predicates();
    let (impl_generics, view_generics) = (e.impl_generics(), e.view_impl_generics());
    let private = &e.private;
    let ident = e.input.ident;
    let ident_ty = &e.ty(ident);
    let (view, scalar) = (&e.view, &e.scalar);
    let raw = &e.ty(&e.raw);
    let view_ty = e.view_ty(view, quote!('__mmf));
    let view_mut_ty = e.view_ty(&e.view_mut, quote!('__mmf));
    let view_mut = &e.view_mut;
    let (name, generic_items) = generic_items(e);
    let all_types: Vec<_> = e.variants.iter().flat_map(|v| &v.fields).map(|f| &f.stored).collect();

    let variant_layouts = e.variants.iter().enumerate().map(|(i, v)| {
        let vname = v.ident.to_string();
        let d = &e.discriminants[i];
        let other = v.other.is_some();
        let fields = e.variant_raws[i].iter().map(|vraw| e.ty(vraw)).flat_map(|vraw| {
            v.fields.iter().map(move |f| {
                let (default, earlier) = (layout::default_value(private, f), &f.attrs.renamed_from);
                let (fname, fident, ty, layout) = (&f.name, &f.ident, &f.stored, &f.layout);
                quote! {
                    #private::FieldLayout {
                        name: #fname,
                        offset: ::core::mem::offset_of!(#raw, __mmf_payload)
                            + ::core::mem::offset_of!(#vraw, #fident),
                        size: ::core::mem::size_of::<<#ty as #private::Mapped>::Raw>(),
                        layout: <#layout as #private::Mapped>::LAYOUT,
                        renamed_from: &[#(#earlier),*],
                        default: #default,
                    }
                }
            })
        });
        quote! {
            #private::VariantLayout { name: #vname, discriminant: #d as u64, fields: &[#(#fields),*], other: #other }
        }
    });

    // `write`: per variant, the tag and the fields' stored forms.
    let write_arms = e.variants.iter().enumerate().map(|(i, v)| {
        let d = &e.discriminants[i];
        let (pattern, values) = value_pattern(e, v);
        let fields = match e.variant_raws[i].as_ref().map(|vraw| e.ty(vraw)) {
            None => quote!(),
            Some(vraw) => {
                let idents: Vec<_> = v.fields.iter().map(|f| &f.ident).collect();
                let tys: Vec<_> = v.fields.iter().map(|f| &f.stored).collect();
                quote! {
                    let mut p: #vraw = #private::bytemuck::Zeroable::zeroed();
                    #(p.#idents = <#tys as #private::Mapped>::write(#values, w);)*
                    *#private::payload_mut::<#vraw>(&mut raw.__mmf_payload) = p;
                }
            }
        };
        quote!(#pattern => { raw.tag = #d; #fields })
    });

    // `write_reusing`: a variant held before too reuses its fields' blocks.
    let reuse_arms = e.variants.iter().enumerate().filter_map(|(i, v)| {
        let vraw = e.ty(e.variant_raws[i].as_ref()?);
        let d = &e.discriminants[i];
        let (pattern, values) = value_pattern(e, v);
        let idents: Vec<_> = v.fields.iter().map(|f| &f.ident).collect();
        let tys: Vec<_> = v.fields.iter().map(|f| &f.stored).collect();
        Some(quote! {
            #pattern if old.tag == #d => {
                let was = #private::payload::<#vraw>(&old.__mmf_payload);
                let mut raw: #raw = #private::bytemuck::Zeroable::zeroed();
                raw.tag = #d;
                let mut p: #vraw = #private::bytemuck::Zeroable::zeroed();
                #(
                    // SAFETY: the caller's promise covers every field of `old`.
                    p.#idents = unsafe {
                        <#tys as #private::Mapped>::write_reusing(#values, &was.#idents, file, w)
                    };
                )*
                *#private::payload_mut::<#vraw>(&mut raw.__mmf_payload) = p;
                raw
            }
        })
    });

    // `validate`: a known tag, then the variant's fields.
    let validate_arms = e.variants.iter().enumerate().map(|(i, v)| {
        let d = &e.discriminants[i];
        let vname = v.ident.to_string();
        let body = match e.variant_raws[i].as_ref().map(|vraw| e.ty(vraw)) {
            None => quote!(::core::result::Result::Ok(())),
            Some(vraw) => {
                let names: Vec<_> = v.fields.iter().map(|f| &f.name).collect();
                let idents: Vec<_> = v.fields.iter().map(|f| &f.ident).collect();
                let tys: Vec<_> = v.fields.iter().map(|f| &f.stored).collect();
                quote! {{
                    let p = #private::payload::<#vraw>(&raw.__mmf_payload);
                    v.variant(#vname, |v| {
                        #(v.field::<#tys>(#names, &p.#idents)?;)*
                        ::core::result::Result::Ok(())
                    })
                }}
            }
        };
        quote!(#d => #body,)
    });

    // `view` and `read`: the fields of the variant held.
    let rebuild = |target: TokenStream, call: TokenStream, viewing: bool| {
        let target = &target;
        let call = &call;
        match_tag(e, quote!(raw.tag), |i| {
            let v = &e.variants[i];
            let vname = v.ident;
            let Some(vraw) = e.variant_raws[i].as_ref().map(|vraw| e.ty(vraw)) else {
                return quote!(#target::#vname);
            };
            let values: Vec<_> = v
                .fields
                .iter()
                .map(|f| {
                    let (ty, fident) = (&f.stored, &f.ident);
                    // A field stored out of line reads back as `Indirect(value)`.
                    let unwrap = (f.indirect && !viewing).then(|| quote!(.0));
                    // A view's field that holds the enum itself is viewed when asked.
                    let call = if f.nested && viewing {
                        quote!(#private::Nested::<#ty>::new)
                    } else {
                        quote!(<#ty as #private::Mapped>::#call)
                    };
                    quote! {
                        // SAFETY: the caller's promise covers every field.
                        unsafe { #call(&p.#fident, file) } #unwrap
                    }
                })
                .collect();
            let built = build(quote!(#target::#vname), v, &values);
            quote! {{
                let p = #private::payload::<#vraw>(&raw.__mmf_payload);
                #built
            }}
        })
    };
    let view_match = rebuild(quote!(#view), quote!(view), true);
    let read_match = rebuild(quote!(#ident), quote!(read), false);
    let evolved = evolved_methods(e);

    let input = e.input;
    let recursive_name = layout::recursive_name(input, private);
    let write = layout::deeper(
        input,
        private,
        Part::WriteOrRead,
        quote! {
            let mut raw: #raw = #private::bytemuck::Zeroable::zeroed();
            match self {
                #(#write_arms)*
            }
            raw
        },
    );
    let write_reusing = layout::deeper(
        input,
        private,
        Part::WriteOrRead,
        quote! {
            #[allow(unreachable_patterns)]
            match self {
                #(#reuse_arms)*
                _ => <Self as #private::Mapped>::write(self, w),
            }
        },
    );
    let validate = layout::deeper(
        input,
        private,
        Part::Validate,
        quote! {
            match raw.tag {
                #(#validate_arms)*
                other => ::core::result::Result::Err(
                    v.unknown_discriminant(&raw.tag, other as u64, #name),
                ),
            }
        },
    );
    let read = layout::deeper(input, private, Part::WriteOrRead, read_match);

    quote! {
        // SAFETY: `write` stores the variant's tag and writes each field through
        // its own `Mapped::write` into the zeroed payload; `validate` accepts
        // known tags only and validates the fields of the variant the tag names;
        // views and `read` read the fields of that variant (an unknown tag, only
        // possible if the file changed after validation, reads as the first
        // variant, whose fields check every offset again); `view_mut` never
        // hands out the tag. The stored form is `Pod` with no implicit padding.
        #generic_items

        #[automatically_derived]
        unsafe impl #impl_generics #private::Mapped for #ident_ty #where_clause {
            type Raw = #raw;
            type View<'__mmf> = #view_ty;
            type ViewMut<'__mmf> = #view_mut_ty;
            const LAYOUT: &'static #private::Layout = &#private::Layout {
                name: #name,
                size: {
                    let () = <#raw>::CHECKED;
                    ::core::mem::size_of::<#raw>()
                },
                align: ::core::mem::align_of::<#raw>(),
                kind: #private::Kind::Enum {
                    repr: #private::Scalar::#scalar,
                    variants: &[#(#variant_layouts),*],
                }, frozen: false,
            };
            #earlier_names
            const CHECKED: bool = true;
            const HAS_BLOCKS: bool = false #(|| <#all_types as #private::Mapped>::HAS_BLOCKS)*;

            fn write(&self, w: &mut #private::Writer<'_>) -> #raw {
                #write
            }

            unsafe fn write_reusing(
                &self,
                old: &#raw,
                file: #private::FileRef<'_>,
                w: &mut #private::Writer<'_>,
            ) -> #raw {
                #write_reusing
            }

            fn validate(raw: &#raw, v: &mut #private::Validator<'_>) -> #private::Result<()> {
                #validate
            }

            #[inline]
            unsafe fn view<'__mmf>(raw: &'__mmf #raw, file: #private::FileRef<'__mmf>) -> #view_ty {
                #view_match
            }

            #[inline]
            unsafe fn view_mut<'__mmf>(raw: &'__mmf mut #raw, file: #private::FileMut<'__mmf>) -> #view_mut_ty {
                // SAFETY: the caller's promise, passed on.
                #view_mut { inner: unsafe { #private::StructMut::new(raw, file) } }
            }

            unsafe fn read(raw: &#raw, file: #private::FileRef<'_>) -> Self {
                #read
            }

            #evolved
        }

        #recursive_name

        // SAFETY: when every field of every variant is `Inline`, `write`
        // allocates nothing.
        #[automatically_derived]
        unsafe impl #view_generics #private::Inline for #ident_ty
        where
            #predicates
            #(#private::Check<'__mmf, #all_types>: #private::IsInline<#all_types>),* {}
    }
}

/// The name `LAYOUT` gives the enum, and for a generic enum the items that
/// make it (`Tagged<Coord>`, built per instantiation) and check every
/// variant's fields per instantiation (see `mirror::same_layout_check`).
fn generic_items(e: &Enum) -> (TokenStream, TokenStream) {
    let ident = e.input.ident;
    if !e.is_generic() {
        let name = ident.to_string();
        return (quote!(#name), TokenStream::new());
    }
    let private = &e.private;
    let ident_ty = e.ty(ident);
    let checks =
        e.variant_raws.iter().enumerate().filter_map(|(i, vraw)| {
            mirror::same_layout_check(&variant_struct(e, i, vraw.as_ref()?))
        });
    let name = quote!({
        let () = <#ident_ty>::__MMF_SAME_LAYOUT;
        <#ident_ty>::__MMF_NAME.as_str()
    });
    let items = generics::instantiation_items(ident, &e.generics, quote!(#(#checks)*), private);
    (name, items)
}

/// `view_evolved` and `read_evolved`: views and values of the enum as a file
/// stores it otherwise than the program, variant by variant. A field that
/// holds the enum itself is viewed when asked, from where the file holds it.
fn evolved_methods(e: &Enum) -> TokenStream {
    let (private, int, ident) = (&e.private, &e.int, e.input.ident);
    let view_ty = e.view_ty(&e.view, quote!('__mmf));
    let view = &e.view;
    let arms = |target: TokenStream, viewing: bool| {
        match_tag(e, quote!(d as #int), |i| {
            let v = &e.variants[i];
            let values: Vec<_> = v
                .fields
                .iter()
                .enumerate()
                .map(|(index, f)| {
                    let ty = &f.stored;
                    let unwrap = (f.indirect && !viewing).then(|| quote!(.0));
                    let call = match (viewing, f.nested) {
                        (true, true) => quote!(nested),
                        (true, false) => quote!(field),
                        (false, _) => quote!(read),
                    };
                    quote! {
                        // SAFETY: the caller's promise; field `index` of the
                        // variant is of type `ty`.
                        unsafe { evolved.#call::<#ty>(#index) } #unwrap
                    }
                })
                .collect();
            let vname = v.ident;
            build(quote!(#target::#vname), v, &values)
        })
    };
    let view_arms = arms(quote!(#view), true);
    let read_arms =
        layout::deeper(e.input, private, Part::WriteOrRead, arms(quote!(#ident), false));
    // The variant a value holds, and where the file holds its fields.
    let variant = quote! {
        // SAFETY: the caller's promise: `at` is the file's stored enum, and
        // `fields` says where the variant's fields lie in it.
        let (d, evolved) = unsafe {
            let (d, fields) = #private::evolved_variant(at, how);
            (d, #private::EvolvedRef::new(at, fields, file))
        };
    };
    let view_body = quote!(#variant #view_arms);
    let read_body = quote!(#variant #read_arms);
    layout::evolved_fns(private, view_ty, view_body, read_body)
}
