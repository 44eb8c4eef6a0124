//! Writing ONNX: the few `onnx.proto` messages a model needs (field numbers as in onnx.proto, IR
//! version 8), with prost's derive doing the protobuf encoding, and a small graph builder.
//!
//! Only standard `ai.onnx` operators at opset 13 are used, all of which `tract-onnx` runs.

use prost::Message;

/// ONNX's IR version for opset 13 models.
const IR_VERSION: i64 = 8;
/// The `ai.onnx` opset the graphs are written against.
pub const OPSET: i64 = 13;

/// `TensorProto.DataType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum DataType {
    Float = 1,
    Int64 = 7,
    Bool = 9,
}

#[derive(Clone, PartialEq, Message)]
pub struct ModelProto {
    #[prost(int64, tag = "1")]
    pub ir_version: i64,
    #[prost(string, tag = "2")]
    pub producer_name: String,
    #[prost(string, tag = "3")]
    pub producer_version: String,
    #[prost(string, tag = "6")]
    pub doc_string: String,
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
    #[prost(message, repeated, tag = "8")]
    pub opset_import: Vec<OperatorSetIdProto>,
    #[prost(message, repeated, tag = "14")]
    pub metadata_props: Vec<StringStringEntryProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct OperatorSetIdProto {
    #[prost(string, tag = "1")]
    pub domain: String,
    #[prost(int64, tag = "2")]
    pub version: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct StringStringEntryProto {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    #[prost(string, tag = "3")]
    pub name: String,
    #[prost(string, tag = "4")]
    pub op_type: String,
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct AttributeProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(int64, tag = "3")]
    pub i: i64,
    #[prost(int64, repeated, tag = "8")]
    pub ints: Vec<i64>,
    /// `AttributeType`: INT = 2, INTS = 7.
    #[prost(int32, tag = "20")]
    pub r#type: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct TensorProto {
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    #[prost(float, repeated, tag = "4")]
    pub float_data: Vec<f32>,
    #[prost(int64, repeated, tag = "7")]
    pub int64_data: Vec<i64>,
    #[prost(string, tag = "8")]
    pub name: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValueInfoProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TypeProto {
    #[prost(message, optional, tag = "1")]
    pub tensor_type: Option<TensorTypeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TensorTypeProto {
    #[prost(int32, tag = "1")]
    pub elem_type: i32,
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<Dimension>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Dimension {
    #[prost(int64, optional, tag = "1")]
    pub dim_value: Option<i64>,
    #[prost(string, optional, tag = "2")]
    pub dim_param: Option<String>,
}

/// One tensor dimension: fixed, or the batch dimension `N`.
#[derive(Clone, Copy, Debug)]
pub enum Dim {
    Batch,
    Fixed(usize),
}

/// An attribute value.
pub enum Attr {
    Int(i64),
    Ints(Vec<i64>),
}

/// Builds one graph with input `features` `[N, F]`.
pub struct GraphBuilder {
    graph: GraphProto,
    counter: usize,
}

fn value_info(name: &str, elem: DataType, dims: &[Dim]) -> ValueInfoProto {
    ValueInfoProto {
        name: name.to_string(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type: elem as i32,
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| match d {
                            Dim::Batch => Dimension {
                                dim_value: None,
                                dim_param: Some("N".into()),
                            },
                            Dim::Fixed(n) => Dimension {
                                dim_value: Some(*n as i64),
                                dim_param: None,
                            },
                        })
                        .collect(),
                }),
            }),
        }),
    }
}

impl GraphBuilder {
    /// A graph whose input is `features` `[N, features]` float32.
    pub fn new(name: &str, features: usize) -> Self {
        Self {
            graph: GraphProto {
                name: name.to_string(),
                input: vec![value_info(
                    "features",
                    DataType::Float,
                    &[Dim::Batch, Dim::Fixed(features)],
                )],
                ..GraphProto::default()
            },
            counter: 0,
        }
    }

    fn fresh(&mut self, stem: &str) -> String {
        self.counter += 1;
        format!("{stem}_{}", self.counter)
    }

    /// A float constant of the given shape; returns its name.
    pub fn constant(&mut self, stem: &str, dims: &[usize], values: Vec<f32>) -> String {
        let name = self.fresh(stem);
        self.graph.initializer.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: DataType::Float as i32,
            float_data: values,
            name: name.clone(),
            ..TensorProto::default()
        });
        name
    }

    /// Adds a node; returns the name of its (single) output.
    pub fn node(&mut self, op: &str, inputs: &[&str], attrs: Vec<(&str, Attr)>) -> String {
        let out = self.fresh(&op.to_lowercase());
        let attribute = attrs
            .into_iter()
            .map(|(name, value)| match value {
                Attr::Int(i) => AttributeProto {
                    name: name.to_string(),
                    i,
                    r#type: 2,
                    ..AttributeProto::default()
                },
                Attr::Ints(ints) => AttributeProto {
                    name: name.to_string(),
                    ints,
                    r#type: 7,
                    ..AttributeProto::default()
                },
            })
            .collect();
        self.graph.node.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.clone()],
            name: out.clone(),
            op_type: op.to_string(),
            attribute,
        });
        out
    }

    /// Exposes `value` as a graph output called `name` (through an Identity node).
    pub fn output(&mut self, value: &str, name: &str, elem: DataType, dims: &[Dim]) {
        self.graph.node.push(NodeProto {
            input: vec![value.to_string()],
            output: vec![name.to_string()],
            name: format!("output_{name}"),
            op_type: "Identity".into(),
            attribute: Vec::new(),
        });
        self.graph.output.push(value_info(name, elem, dims));
    }

    /// The serialized model, with `metadata` as its `metadata_props`.
    pub fn finish(self, doc: &str, metadata: &[(&str, String)]) -> Vec<u8> {
        ModelProto {
            ir_version: IR_VERSION,
            producer_name: "synq-trainer".into(),
            producer_version: env!("CARGO_PKG_VERSION").into(),
            doc_string: doc.to_string(),
            graph: Some(self.graph),
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: OPSET,
            }],
            metadata_props: metadata
                .iter()
                .map(|(k, v)| StringStringEntryProto {
                    key: k.to_string(),
                    value: v.clone(),
                })
                .collect(),
        }
        .encode_to_vec()
    }
}
