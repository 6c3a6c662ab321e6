/** A typed front for tf.customGrad: the forward gets its inputs as an array and the save function. */
import * as tf from "@tensorflow/tfjs";

export type Forward = (
  inputs: tf.Tensor[],
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

export function customGrad<T extends tf.Tensor = tf.Tensor>(f: Forward): (...inputs: tf.Tensor[]) => T {
  const g = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    return f(args as tf.Tensor[], save);
  });
  return (...inputs) => g(...inputs) as T;
}
