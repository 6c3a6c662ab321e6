/** Reading one image as 8-bit RGB: PNG with our own decoder, anything else through ffmpeg. */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { decodePng, toRgb } from "./png.ts";
import { runTool } from "./ffmpeg.ts";

/** An opaque frame: `data` holds width*height*3 bytes, row-major RGB. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif"];

export const isImagePath = (path: string): boolean => IMAGE_EXTENSIONS.includes(extname(path).toLowerCase());

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    return fail(
      "image_decode",
      path,
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message,
    );
  }
}

/**
 * Decode any image. Non-PNG formats are converted by ffmpeg to a PNG on a pipe, which carries the size with
 * the pixels and so needs no ffprobe call.
 */
export async function readImage(path: string): Promise<RgbImage> {
  const bytes = readBytes(path);
  const isPng = bytes.length >= 4 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  // A damaged `.png` is still ours to judge: it gets "cannot decode image", not a detour through ffmpeg.
  if (isPng || extname(path).toLowerCase() === ".png") {
    const img = decodePng(bytes, path);
    return { width: img.width, height: img.height, data: toRgb(img) };
  }
  const png = await runTool(
    "ffmpeg",
    [
      "-v",
      "error",
      "-nostdin",
      "-threads",
      "1",
      "-i",
      path,
      "-frames:v",
      "1",
      "-f",
      "image2pipe",
      "-c:v",
      "png",
      "-pix_fmt",
      "rgb24",
      "pipe:1",
    ],
    (why) => fail("image_decode", path, why),
  );
  if (png.length === 0) fail("image_decode", path, "ffmpeg produced no image");
  const img = decodePng(png, path);
  return { width: img.width, height: img.height, data: toRgb(img) };
}
