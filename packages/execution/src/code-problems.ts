// A small set of programming problems written for this project (MBPP-like: a description, a
// JavaScript function signature and assert-style tests), with a reference solution each. They
// exercise the test runner, Self-Debug and Treefinement in tests and examples; they are far too
// few and too easy to be a benchmark.

/** One programming problem. */
export interface CodeProblem {
  /** Stable id, e.g. `js-sum-digits`. */
  id: string
  /** What the function must do. */
  description: string
  /** The function's signature, e.g. `function sumDigits(n)`. */
  signature: string
  /** The function name the tests call. */
  entryPoint: string
  /** The tests (see `runJavaScriptTests`: statements with `assert` / `assertEqual` in scope). */
  tests: readonly string[]
  /** A reference solution that passes every test. */
  solution: string
}

const problem = (value: CodeProblem): CodeProblem => value

/** The problems, in a fixed order (24 of them). */
export const codeProblems: readonly CodeProblem[] = [
  problem({
    id: 'js-add',
    description: 'Return the sum of the two numbers a and b.',
    signature: 'function add(a, b)',
    entryPoint: 'add',
    tests: [
      'assertEqual(add(2, 3), 5)',
      'assertEqual(add(-4, 4), 0)',
      'assertEqual(add(0.5, 0.25), 0.75)',
    ],
    solution: 'function add(a, b) {\n  return a + b\n}',
  }),
  problem({
    id: 'js-sum-digits',
    description: 'Return the sum of the decimal digits of the non-negative integer n.',
    signature: 'function sumDigits(n)',
    entryPoint: 'sumDigits',
    tests: [
      'assertEqual(sumDigits(0), 0)',
      'assertEqual(sumDigits(345), 12)',
      'assertEqual(sumDigits(1000001), 2)',
    ],
    solution:
      "function sumDigits(n) {\n  return String(n).split('').reduce((sum, digit) => sum + Number(digit), 0)\n}",
  }),
  problem({
    id: 'js-reverse-words',
    description:
      'Return the words of the string s (separated by single spaces) in reverse order, joined by single spaces.',
    signature: 'function reverseWords(s)',
    entryPoint: 'reverseWords',
    tests: [
      "assertEqual(reverseWords('hello world'), 'world hello')",
      "assertEqual(reverseWords('a b c'), 'c b a')",
      "assertEqual(reverseWords('single'), 'single')",
    ],
    solution: "function reverseWords(s) {\n  return s.split(' ').reverse().join(' ')\n}",
  }),
  problem({
    id: 'js-is-palindrome',
    description:
      'Return true when the string s reads the same forwards and backwards, ignoring case and non-letter characters.',
    signature: 'function isPalindrome(s)',
    entryPoint: 'isPalindrome',
    tests: [
      "assertEqual(isPalindrome('Racecar'), true)",
      "assertEqual(isPalindrome('A man, a plan, a canal: Panama'), true)",
      "assertEqual(isPalindrome('metagen'), false)",
      "assertEqual(isPalindrome(''), true)",
    ],
    solution:
      "function isPalindrome(s) {\n  const letters = s.toLowerCase().replace(/[^a-z]/g, '')\n  return letters === letters.split('').reverse().join('')\n}",
  }),
  problem({
    id: 'js-count-vowels',
    description: 'Return the number of vowels (a, e, i, o, u, either case) in the string s.',
    signature: 'function countVowels(s)',
    entryPoint: 'countVowels',
    tests: [
      "assertEqual(countVowels('hello'), 2)",
      "assertEqual(countVowels('AEIOU xyz'), 5)",
      "assertEqual(countVowels('rhythm'), 0)",
    ],
    solution: 'function countVowels(s) {\n  return (s.match(/[aeiou]/gi) ?? []).length\n}',
  }),
  problem({
    id: 'js-fizzbuzz',
    description:
      "Return an array of the strings for 1..n: 'Fizz' for multiples of 3, 'Buzz' for multiples of 5, 'FizzBuzz' for multiples of both, else the number as a string.",
    signature: 'function fizzBuzz(n)',
    entryPoint: 'fizzBuzz',
    tests: [
      "assertEqual(fizzBuzz(5), ['1', '2', 'Fizz', '4', 'Buzz'])",
      "assertEqual(fizzBuzz(15)[14], 'FizzBuzz')",
      'assertEqual(fizzBuzz(0), [])',
    ],
    solution:
      "function fizzBuzz(n) {\n  const out = []\n  for (let i = 1; i <= n; i++) {\n    out.push(i % 15 === 0 ? 'FizzBuzz' : i % 3 === 0 ? 'Fizz' : i % 5 === 0 ? 'Buzz' : String(i))\n  }\n  return out\n}",
  }),
  problem({
    id: 'js-factorial',
    description: 'Return n! for a non-negative integer n (0! is 1).',
    signature: 'function factorial(n)',
    entryPoint: 'factorial',
    tests: [
      'assertEqual(factorial(0), 1)',
      'assertEqual(factorial(5), 120)',
      'assertEqual(factorial(10), 3628800)',
    ],
    solution:
      'function factorial(n) {\n  let product = 1\n  for (let i = 2; i <= n; i++) product *= i\n  return product\n}',
  }),
  problem({
    id: 'js-fibonacci',
    description: 'Return the n-th Fibonacci number, with fibonacci(0) = 0 and fibonacci(1) = 1.',
    signature: 'function fibonacci(n)',
    entryPoint: 'fibonacci',
    tests: [
      'assertEqual(fibonacci(0), 0)',
      'assertEqual(fibonacci(1), 1)',
      'assertEqual(fibonacci(10), 55)',
      'assertEqual(fibonacci(50), 12586269025)',
    ],
    solution:
      'function fibonacci(n) {\n  let a = 0\n  let b = 1\n  for (let i = 0; i < n; i++) [a, b] = [b, a + b]\n  return a\n}',
  }),
  problem({
    id: 'js-is-prime',
    description: 'Return true when the integer n is a prime number.',
    signature: 'function isPrime(n)',
    entryPoint: 'isPrime',
    tests: [
      'assertEqual(isPrime(2), true)',
      'assertEqual(isPrime(1), false)',
      'assertEqual(isPrime(97), true)',
      'assertEqual(isPrime(91), false)',
      'assertEqual(isPrime(-7), false)',
    ],
    solution:
      'function isPrime(n) {\n  if (n < 2) return false\n  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false\n  return true\n}',
  }),
  problem({
    id: 'js-gcd',
    description:
      'Return the greatest common divisor of the non-negative integers a and b (gcd(0, 0) is 0).',
    signature: 'function gcd(a, b)',
    entryPoint: 'gcd',
    tests: [
      'assertEqual(gcd(12, 18), 6)',
      'assertEqual(gcd(17, 5), 1)',
      'assertEqual(gcd(0, 9), 9)',
      'assertEqual(gcd(0, 0), 0)',
    ],
    solution: 'function gcd(a, b) {\n  while (b !== 0) [a, b] = [b, a % b]\n  return a\n}',
  }),
  problem({
    id: 'js-max-of-array',
    description: 'Return the largest number in the non-empty array xs.',
    signature: 'function maxOf(xs)',
    entryPoint: 'maxOf',
    tests: [
      'assertEqual(maxOf([3, 9, 2]), 9)',
      'assertEqual(maxOf([-5, -2, -9]), -2)',
      'assertEqual(maxOf([7]), 7)',
    ],
    solution: 'function maxOf(xs) {\n  return xs.reduce((best, x) => (x > best ? x : best))\n}',
  }),
  problem({
    id: 'js-second-largest',
    description:
      'Return the second largest distinct value in the array xs, or null when there is none.',
    signature: 'function secondLargest(xs)',
    entryPoint: 'secondLargest',
    tests: [
      'assertEqual(secondLargest([4, 1, 7, 3]), 4)',
      'assertEqual(secondLargest([5, 5, 5]), null)',
      'assertEqual(secondLargest([2, 9, 9, 1]), 2)',
      'assertEqual(secondLargest([]), null)',
    ],
    solution:
      'function secondLargest(xs) {\n  const distinct = [...new Set(xs)].sort((a, b) => b - a)\n  return distinct.length > 1 ? distinct[1] : null\n}',
  }),
  problem({
    id: 'js-unique-sorted',
    description: 'Return the distinct numbers of the array xs in ascending order.',
    signature: 'function uniqueSorted(xs)',
    entryPoint: 'uniqueSorted',
    tests: [
      'assertEqual(uniqueSorted([3, 1, 3, 2]), [1, 2, 3])',
      'assertEqual(uniqueSorted([10, 9, 100]), [9, 10, 100])',
      'assertEqual(uniqueSorted([]), [])',
    ],
    solution: 'function uniqueSorted(xs) {\n  return [...new Set(xs)].sort((a, b) => a - b)\n}',
  }),
  problem({
    id: 'js-flatten',
    description:
      'Return the nested array xs flattened completely into a one-level array, keeping the order.',
    signature: 'function flatten(xs)',
    entryPoint: 'flatten',
    tests: [
      'assertEqual(flatten([1, [2, [3, [4]]], 5]), [1, 2, 3, 4, 5])',
      'assertEqual(flatten([]), [])',
      'assertEqual(flatten([[], [[]]]), [])',
    ],
    solution:
      'function flatten(xs) {\n  return xs.reduce((out, x) => out.concat(Array.isArray(x) ? flatten(x) : [x]), [])\n}',
  }),
  problem({
    id: 'js-chunk',
    description:
      'Split the array xs into consecutive chunks of length size (the last chunk may be shorter).',
    signature: 'function chunk(xs, size)',
    entryPoint: 'chunk',
    tests: [
      'assertEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]])',
      'assertEqual(chunk([1, 2, 3], 3), [[1, 2, 3]])',
      'assertEqual(chunk([], 4), [])',
    ],
    solution:
      'function chunk(xs, size) {\n  const out = []\n  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size))\n  return out\n}',
  }),
  problem({
    id: 'js-char-frequency',
    description:
      'Return an object mapping each character of the string s to the number of times it occurs.',
    signature: 'function charFrequency(s)',
    entryPoint: 'charFrequency',
    tests: [
      "assertEqual(charFrequency('abca'), { a: 2, b: 1, c: 1 })",
      "assertEqual(charFrequency(''), {})",
      "assertEqual(charFrequency('zz'), { z: 2 })",
    ],
    solution:
      'function charFrequency(s) {\n  const counts = {}\n  for (const c of s) counts[c] = (counts[c] ?? 0) + 1\n  return counts\n}',
  }),
  problem({
    id: 'js-capitalize-words',
    description:
      'Return the string s with the first letter of every space-separated word in upper case.',
    signature: 'function capitalizeWords(s)',
    entryPoint: 'capitalizeWords',
    tests: [
      "assertEqual(capitalizeWords('hello big world'), 'Hello Big World')",
      "assertEqual(capitalizeWords('a'), 'A')",
      "assertEqual(capitalizeWords(''), '')",
    ],
    solution:
      "function capitalizeWords(s) {\n  return s.split(' ').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ')\n}",
  }),
  problem({
    id: 'js-run-length',
    description:
      "Return the run-length encoding of the string s: each run of a repeated character becomes the count followed by the character, e.g. 'aaab' -> '3a1b'.",
    signature: 'function runLength(s)',
    entryPoint: 'runLength',
    tests: [
      "assertEqual(runLength('aaab'), '3a1b')",
      "assertEqual(runLength('abc'), '1a1b1c')",
      "assertEqual(runLength(''), '')",
      "assertEqual(runLength('zzzzzzzzzzzz'), '12z')",
    ],
    solution:
      "function runLength(s) {\n  let out = ''\n  for (let i = 0; i < s.length; ) {\n    let j = i\n    while (s[j] === s[i]) j++\n    out += (j - i) + s[i]\n    i = j\n  }\n  return out\n}",
  }),
  problem({
    id: 'js-balanced-brackets',
    description:
      'Return true when every bracket ((), [], {}) in the string s is closed in the right order; other characters are ignored.',
    signature: 'function isBalanced(s)',
    entryPoint: 'isBalanced',
    tests: [
      "assertEqual(isBalanced('([]{})'), true)",
      "assertEqual(isBalanced('([)]'), false)",
      "assertEqual(isBalanced('(('), false)",
      "assertEqual(isBalanced('a(b)c'), true)",
      "assertEqual(isBalanced(')('), false)",
    ],
    solution:
      "function isBalanced(s) {\n  const pairs = { ')': '(', ']': '[', '}': '{' }\n  const stack = []\n  for (const c of s) {\n    if ('([{'.includes(c)) stack.push(c)\n    else if (c in pairs && stack.pop() !== pairs[c]) return false\n  }\n  return stack.length === 0\n}",
  }),
  problem({
    id: 'js-binary-search',
    description: 'Return the index of target in the ascending array xs, or -1 when it is absent.',
    signature: 'function binarySearch(xs, target)',
    entryPoint: 'binarySearch',
    tests: [
      'assertEqual(binarySearch([1, 3, 5, 7, 9], 7), 3)',
      'assertEqual(binarySearch([1, 3, 5], 4), -1)',
      'assertEqual(binarySearch([], 1), -1)',
      'assertEqual(binarySearch([2], 2), 0)',
    ],
    solution:
      'function binarySearch(xs, target) {\n  let lo = 0\n  let hi = xs.length - 1\n  while (lo <= hi) {\n    const mid = (lo + hi) >> 1\n    if (xs[mid] === target) return mid\n    if (xs[mid] < target) lo = mid + 1\n    else hi = mid - 1\n  }\n  return -1\n}',
  }),
  problem({
    id: 'js-roman-numeral',
    description:
      'Return the Roman numeral of the integer n, 1 <= n <= 3999 (subtractive notation: 4 is IV, 9 is IX, ...).',
    signature: 'function toRoman(n)',
    entryPoint: 'toRoman',
    tests: [
      "assertEqual(toRoman(3), 'III')",
      "assertEqual(toRoman(4), 'IV')",
      "assertEqual(toRoman(1994), 'MCMXCIV')",
      "assertEqual(toRoman(3999), 'MMMCMXCIX')",
    ],
    solution:
      "function toRoman(n) {\n  const table = [[1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'], [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I']]\n  let out = ''\n  for (const [value, symbol] of table) {\n    while (n >= value) {\n      out += symbol\n      n -= value\n    }\n  }\n  return out\n}",
  }),
  problem({
    id: 'js-anagrams',
    description:
      'Return true when the strings a and b are anagrams of each other (same letters with the same counts, case-insensitive, spaces ignored).',
    signature: 'function areAnagrams(a, b)',
    entryPoint: 'areAnagrams',
    tests: [
      "assertEqual(areAnagrams('listen', 'silent'), true)",
      "assertEqual(areAnagrams('Dormitory', 'dirty room'), true)",
      "assertEqual(areAnagrams('abc', 'abd'), false)",
      "assertEqual(areAnagrams('aab', 'ab'), false)",
    ],
    solution:
      "function areAnagrams(a, b) {\n  const key = (s) => s.toLowerCase().replace(/ /g, '').split('').sort().join('')\n  return key(a) === key(b)\n}",
  }),
  problem({
    id: 'js-matrix-transpose',
    description:
      'Return the transpose of the rectangular matrix m (an array of equal-length rows).',
    signature: 'function transpose(m)',
    entryPoint: 'transpose',
    tests: [
      'assertEqual(transpose([[1, 2, 3], [4, 5, 6]]), [[1, 4], [2, 5], [3, 6]])',
      'assertEqual(transpose([[1]]), [[1]])',
      'assertEqual(transpose([]), [])',
    ],
    solution:
      'function transpose(m) {\n  return m.length === 0 ? [] : m[0].map((_, j) => m.map((row) => row[j]))\n}',
  }),
  problem({
    id: 'js-running-sum',
    description: 'Return the running sums of the array xs: element i is xs[0] + ... + xs[i].',
    signature: 'function runningSum(xs)',
    entryPoint: 'runningSum',
    tests: [
      'assertEqual(runningSum([1, 2, 3, 4]), [1, 3, 6, 10])',
      'assertEqual(runningSum([5]), [5])',
      'assertEqual(runningSum([]), [])',
      'assertEqual(runningSum([3, -3, 2]), [3, 0, 2])',
    ],
    solution: 'function runningSum(xs) {\n  let total = 0\n  return xs.map((x) => (total += x))\n}',
  }),
]

/** Options of {@link formatCodePrompt}. */
export interface FormatCodePromptOptions {
  /** Show the tests in the prompt (MBPP's and Self-Debug's setting; default true). */
  showTests?: boolean
}

/**
 * The prompt of a problem: the task with the function's signature, the tests it must pass
 * (unless `showTests` is false), and the request to answer with one JavaScript code block.
 */
export function formatCodePrompt(
  problem: CodeProblem,
  options: FormatCodePromptOptions = {},
): string {
  const lines = [`Write a JavaScript function \`${problem.signature}\`. ${problem.description}`]
  if (options.showTests ?? true) {
    lines.push('Your code should pass these tests:', ...problem.tests)
  }
  lines.push(
    'Reply with the complete function in one ```javascript code block (no imports, no exports).',
  )
  return lines.join('\n')
}

/**
 * The tests of each problem by its prompt (`format`, default {@link formatCodePrompt}), for
 * `createTestRunnerScorer({ tests })`: the prompt a generator receives is the key under which
 * the scorer finds the tests.
 */
export function testsByPrompt(
  problems: readonly CodeProblem[] = codeProblems,
  format: (problem: CodeProblem) => string = (problem) => formatCodePrompt(problem),
): Map<string, readonly string[]> {
  return new Map(problems.map((item) => [format(item), item.tests]))
}
