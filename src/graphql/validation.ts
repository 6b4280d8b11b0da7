import { validate, type ValidationError } from 'class-validator';
import type { ValidatorFn } from 'type-graphql';
import { BadUserInputError } from '../platform/errors.js';

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => `"${path}": ${message}`);
    return [...own, ...describe(e.children ?? [], path)];
  });
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
    if (errors.length) {
      const problems = describe(errors);
      const argumentName = problems[0]?.match(/^"([^".]+)/)?.[1];
      throw new BadUserInputError(`Invalid argument ${problems.join('; ')}`, argumentName, { problems });
    }
  }
};
