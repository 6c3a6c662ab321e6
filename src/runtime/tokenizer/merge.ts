/**
 * The BPE merge loop of simple_tokenizer.bpe: start from single symbols (the last one carrying the
 * end-of-word marker), repeatedly take the adjacent pair with the lowest merge rank and join every
 * non-overlapping occurrence of it, left to right, until no adjacent pair has a rank.
 */
export function bpe(chars: string, endOfWord: string, ranks: ReadonlyMap<string, number>): string[] {
  let word = [...chars];
  if (word.length === 0) return word;
  word[word.length - 1] += endOfWord;
  while (word.length > 1) {
    let best = Infinity;
    let first = "";
    let second = "";
    for (let i = 0; i + 1 < word.length; i++) {
      const rank = ranks.get(word[i] + " " + word[i + 1]);
      if (rank !== undefined && rank < best) {
        best = rank;
        first = word[i]!;
        second = word[i + 1]!;
      }
    }
    if (best === Infinity) break;
    const merged: string[] = [];
    for (let i = 0; i < word.length; i++) {
      if (word[i] === first && word[i + 1] === second && i + 1 < word.length) {
        merged.push(first + second);
        i++;
      } else merged.push(word[i]!);
    }
    word = merged;
  }
  return word;
}
