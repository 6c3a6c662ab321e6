/** The scalar type names a hyperparameter may have: resolve reports any other name, check coerces values to them. */
export const knownTypes = ["int", "float", "bool", "str"];
