import { validate, validateSync, type ValidationError } from 'class-validator';
import type { ValidatorFn } from 'type-graphql';
import { BadUserInputError } from '../platform/errors.js';

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => `"${path}": ${message}`);
    return [...own, ...describe(e.children ?? [], path)];
  });
}

function fail(errors: ValidationError[], prefix = ''): never {
  const problems = describe(errors, prefix);
  const argumentName = problems[0]?.match(/^"([^"]+?)(\.|")/)?.[1];
  throw new BadUserInputError(`Invalid argument ${problems.join('; ')}`, argumentName, { problems });
}

/**
 * Validates a subscription argument when the operation starts. type-graphql
 * validates arguments when a field resolves, which for a subscription is only
 * when the first event arrives; a bad filter must fail at subscribe time.
 */
export function assertValidArgument<T extends object>(type: new () => T, value: unknown, argumentName: string): void {
  if (value == null) return;
  const errors = validateSync(Object.assign(new type(), value), { forbidUnknownValues: false });
  if (errors.length) fail(errors, argumentName);
}

/**
 * Validates argument and input classes with class-validator, once at the edge,
 * and answers BAD_USER_INPUT naming each offending argument or field.
 */
export const validateArgs: ValidatorFn = async (value) => {
  const values = Array.isArray(value) ? value : [value];
  for (const item of values) {
    if (item == null || typeof item !== 'object' || item.constructor === Object) continue;
    const errors = await validate(item, { forbidUnknownValues: false, skipMissingProperties: false });
    if (errors.length) fail(errors);
  }
};
