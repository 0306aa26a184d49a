//! `HikeViewMut<'a>`: the in-place view. Per field: a read accessor, `…_mut()`
//! for the field's own in-place view, and `set_…()` for inline fields.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Struct;
use super::view::debug_impl;

pub fn view_mut(s: &Struct) -> TokenStream {
    let private = &s.private;
    let ident = s.input.ident;
    let vis = s.input.vis;
    let (raw, view, view_mut) = (&s.raw, &s.view, &s.view_mut);
    let (impl_generics, view_args, where_clause) = s.view_generics();
    let args = s.args();
    let accessors = s.fields.iter().map(|f| {
        let (name, ty, fvis) = (&f.ident, &f.stored, f.vis);
        let name_mut = format_ident!("{}_mut", name);
        let setter = format_ident!("set_{}", name.to_string().trim_start_matches('_'));
        let doc_get = format!("The field [`{ident}::{}`], read-only.", f.name);
        let doc_mut = format!(
            "An in-place view of the field [`{ident}::{}`]: `&mut` for numbers, a view for the rest.",
            f.name
        );
        let doc_set = format!(
            "Replaces the field [`{ident}::{}`] in place; available when the field is stored inline (no strings or lists inside).",
            f.name
        );
        // A field stored out of line is never inline: no setter.
        let setter = (!f.indirect).then(|| quote! {
            #[doc = #doc_set]
            #[inline]
            #fvis fn #setter<'__set>(&mut self, value: #ty)
            where
                #private::Check<'__set, #ty>: #private::IsInline<#ty>,
            {
                let stored = <#private::Check<'__set, #ty> as #private::IsInline<#ty>>::to_raw(&value);
                // SAFETY: an inline value's stored form, made by its own `write`, is
                // valid and holds no offsets.
                unsafe { self.inner.parts().0.#name = stored };
            }
        });
        quote! {
            #[doc = #doc_get]
            #[inline]
            #fvis fn #name(&self) -> <#ty as #private::Mapped>::View<'_> {
                self.as_view().#name()
            }

            #[doc = #doc_mut]
            #[inline]
            #fvis fn #name_mut(&mut self) -> <#ty as #private::Mapped>::ViewMut<'_> {
                // SAFETY: the field's stored form is only handed to its own
                // `view_mut`, which never exposes checked bytes as `&mut`; its blocks
                // are disjoint from everything else (validated or written so), and
                // `&mut self` keeps other uses of this view away while the result lives.
                unsafe {
                    let (raw, file) = self.inner.parts();
                    <#ty as #private::Mapped>::view_mut(&mut raw.#name, file)
                }
            }

            #setter
        }
    });
    let doc = format!(
        "An in-place view of a [`{ident}`] in a file: fixed-size fields are changed \
         where they lie; offsets, lengths and tags cannot be."
    );
    let debug = debug_impl(s, view_mut, quote!(self.as_view()));
    let short_args = s.view_args_with(quote!('_));
    quote! {
        #[doc = #doc]
        #vis struct #view_mut #impl_generics #where_clause {
            inner: #private::StructMut<'__mmf, #raw #args>,
        }

        #[automatically_derived]
        impl #impl_generics #view_mut #view_args #where_clause {
            #(#accessors)*

            /// A read-only view.
            #[inline]
            pub fn as_view(&self) -> #view #short_args {
                // `&self` keeps every `&mut` from this view away while the result lives.
                #view { inner: self.inner.as_ref() }
            }

            /// The stored form itself, as it lies in the file.
            #[inline]
            pub fn raw(&self) -> &#raw #args {
                self.inner.shared().0
            }

            /// Copies the value out of the file.
            #[allow(clippy::wrong_self_convention, clippy::should_implement_trait)]
            pub fn to_owned(&self) -> #ident #args {
                self.as_view().to_owned()
            }
        }

        #debug
    }
}
