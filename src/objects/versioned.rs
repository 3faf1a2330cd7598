//! The kinds whose families serve `kube_<kind>_metadata_resource_version`
//! through the shared generator (config maps, secrets, roles, bindings):
//! their `metadata` is a `VersionedMeta`.

/// A kind whose families read metadata.resourceVersion.
pub trait ResourceVersioned {
    fn resource_version(&self) -> Option<f64>;
}

/// `impl Object` and `ResourceVersioned` for a kind whose `metadata` is a
/// `VersionedMeta`.
macro_rules! versioned_object {
    ($kind:ty) => {
        impl $crate::objects::ResourceVersioned for $kind {
            fn resource_version(&self) -> Option<f64> {
                self.metadata.resource_version
            }
        }

        impl $crate::objects::Object for $kind {
            fn meta(&self) -> &$crate::objects::Meta {
                &self.metadata.meta
            }

            fn meta_mut(&mut self) -> &mut $crate::objects::Meta {
                &mut self.metadata.meta
            }
        }
    };
}
pub(crate) use versioned_object;
