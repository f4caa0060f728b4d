"""The lark grammar of MLIR's textual format.

The fixed part below covers the generic op form, blocks and regions, types, attributes,
affine maps and locations. Every registered op with an assembly format adds one rule, made
from its format (`format.py`), so the custom forms are part of the same LALR grammar.
Terminals are produced by `lexer.tokenize`; keyword and punctuation terminals are whatever
names lark gives the literals, read back after the grammar is built.
"""

STATIC = r"""
start: top_item*
?top_item: operation
         | HASH_ID "=" attribute          -> attr_alias_def
         | BANG_ID "=" type               -> type_alias_def

operation: [op_result_list] op_core [trailing_loc]
op_result_list: op_result ("," op_result)* "="
op_result: VALUE_ID [":" INT]
?trailing_loc: "loc" "(" location ")"
            | LOC_LIT                        -> loc_literal

generic_op: STRING "(" [value_use_list] ")" [successor_list] [properties] [region_list] [attr_dict] ":" function_type
successor_list: "[" generic_successor ("," generic_successor)* "]"
generic_successor: BLOCK_ID [":" "(" [value_use_list] ")"]
properties: "<" attr_dict ">"
region_list: "(" region ("," region)* ")"
region_commalist: region ("," region)*
region: "{" [entry_ops] block* "}"
entry_ops: operation+
block: BLOCK_ID [block_arg_list] ":" operation*
block_arg_list: "(" [block_arg ("," block_arg)*] ")"
block_arg: VALUE_ID ":" type [trailing_loc]
block_id_list: BLOCK_ID ("," BLOCK_ID)*
present:

value_use: VALUE_ID
value_use_list: VALUE_ID ("," VALUE_ID)*
typed_value_list: typed_value ("," typed_value)*
typed_value: VALUE_ID ":" type

// ---- attributes
attr_dict: "{" [attr_entry ("," attr_entry)*] "}"
attr_entry: attr_key ["=" attribute]
?attr_key: bare_id | STRING

?attribute: INT [":" type]                              -> int_attr
          | HEX [":" type]                              -> hex_attr
          | FLOAT [":" type]                            -> float_attr
          | "true"                                      -> true_attr
          | "false"                                     -> false_attr
          | STRING [":" type]                           -> string_attr
          | "[" [attribute ("," attribute)*] "]"        -> array_attr
          | attr_dict                                   -> dict_attr
          | type                                        -> type_attr
          | symbol_ref
          | "unit"                                      -> unit_attr
          | "dense" "<" [dense_value] ">" ":" type      -> dense_attr
          | "array" "<" type [":" array_values] ">"     -> dense_array_attr
          | "affine_map" "<" affine_map ">"             -> affine_map_attr
          | "strided" "<" "[" [dim_value ("," dim_value)*] "]" ["," "offset" ":" dim_value] ">" -> strided_attr
          | DIALECT_ATTR                                -> dialect_attr
          | HASH_ID                                     -> attr_alias
          | "loc" "(" location ")"                      -> loc_attr
          | LOC_LIT                                     -> loc_literal
symbol_ref: SYMBOL ("::" SYMBOL)*
?dim_value: INT | "?" -> dynamic_dim
array_values: number ("," number)*
?number: INT | FLOAT | HEX | "true" -> true_attr | "false" -> false_attr
dense_value: dense_element | STRING
?dense_element: number
              | "[" [dense_element ("," dense_element)*] "]" -> dense_list
              | "(" number "," number ")"                    -> dense_complex
int_list: "[" [INT ("," INT)*] "]"
enum_body: "<" [bare_id ("," bare_id)*] ">"

// ---- affine maps
affine_map: affine_dims [affine_syms] "->" "(" [affine_expr ("," affine_expr)*] ")"
affine_dims: "(" [bare_id ("," bare_id)*] ")"
affine_syms: "[" [bare_id ("," bare_id)*] "]"
?affine_expr: affine_prod
            | affine_expr "+" affine_prod   -> affine_add
            | affine_expr "-" affine_prod   -> affine_sub
?affine_prod: affine_atom
            | affine_prod "*" affine_atom         -> affine_mul
            | affine_prod "floordiv" affine_atom  -> affine_floordiv
            | affine_prod "ceildiv" affine_atom   -> affine_ceildiv
            | affine_prod "mod" affine_atom       -> affine_mod
?affine_atom: bare_id  -> affine_id
            | INT      -> affine_const
            | "(" affine_expr ")"
            | "-" affine_atom -> affine_neg

// ---- locations
?location: "unknown"                                -> loc_unknown
         | STRING ":" INT ":" INT                   -> loc_file
         | STRING ["(" location ")"]                -> loc_name
         | "fused" ["<" attribute ">"] "[" [location ("," location)*] "]" -> loc_fused
         | "callsite" "(" location "at" location ")" -> loc_callsite
         | HASH_ID                                  -> loc_alias

// ---- types
?type: non_function_type | function_type
function_type: "(" [type_list] ")" "->" result_types
?result_types: non_function_type -> single_result
             | "(" [type_list] ")"
type_list: type ("," type)*
?non_function_type: INT_TYPE                       -> int_type
         | TYPE_LIT                                -> type_literal
         | "index"                                 -> index_type
         | FLOAT_TYPE                              -> float_type
         | "none"                                  -> none_type
         | "tensor" "<" [DIMS] type ["," attribute] ">" -> tensor_type
         | "tensor" "<" UNRANKED type ">"          -> unranked_tensor_type
         | "memref" "<" [DIMS] type ["," attribute ["," attribute]] ">" -> memref_type
         | "memref" "<" UNRANKED type ["," attribute] ">" -> unranked_memref_type
         | "vector" "<" [DIMS] type ">"            -> vector_type
         | "complex" "<" type ">"                  -> complex_type
         | "tuple" "<" [type_list] ">"             -> tuple_type
         | DIALECT_TYPE                            -> dialect_type
         | BANG_ID                                 -> type_alias

FLOAT_TYPE: "f16" | "bf16" | "f32" | "f64" | "f80" | "f128" | "tf32"
%declare VALUE_ID BLOCK_ID SYMBOL HASH_ID BANG_ID DIALECT_ATTR DIALECT_TYPE STRING FLOAT HEX INT
%declare BARE_ID INT_TYPE DIMS UNRANKED TYPE_LIT LOC_LIT
"""

FLOAT_TYPES = ("f16", "bf16", "f32", "f64", "f80", "f128", "tf32")


class GrammarBuilder:
    """Collects the op rules and the keywords they use, then emits the whole grammar."""

    def __init__(self):
        self.extra_rules = []
        self.rule_names = set()
        self.literals = set()
        self.op_rules = []

    def literal(self, text):
        self.literals.add(text)
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def add_rules(self, text):
        if text and text not in self.rule_names:
            self.rule_names.add(text)
            self.extra_rules.append(text)

    def text(self, keywords_for_bare_id):
        ops = " | ".join(self.op_rules) if self.op_rules else "generic_op"
        kws = " | ".join(f'"{k}"' for k in sorted(keywords_for_bare_id))
        bare = "!bare_id: BARE_ID | INT_TYPE | FLOAT_TYPE" + (f" | {kws}" if kws else "")
        return "\n".join([STATIC, f"?op_core: generic_op | {ops}", bare] + self.extra_rules)
