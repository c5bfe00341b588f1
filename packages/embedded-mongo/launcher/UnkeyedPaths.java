import de.bwaldvogel.mongo.bson.Document;

import java.util.List;

/**
 * Finds documents whose values on an indexed path the query matcher can reach but index keys do not
 * show. Upstream's matcher walks into arrays nested in arrays ({@code a: [[{id: 1}]]} matches
 * {@code {'a.id': 1}}) and reads a numeric path step as an array position ({@code 'a.0.id'}), while its
 * index keys flatten one array level and read a numeric step as a field name. Such a document must be
 * a candidate for every query on the index, since no key says which it matches.
 */
final class UnkeyedPaths {

    private UnkeyedPaths() {
    }

    static boolean reachesPastKeys(Document document, String path) {
        return reachesPastKeys(document, List.of(path.split("\\.", -1)), 0);
    }

    private static boolean reachesPastKeys(Object value, List<String> steps, int step) {
        if (step == steps.size()) {
            return false; // a value, or one array of values: the keys show each
        }
        String field = steps.get(step);
        if (value instanceof List<?> elements) {
            if (field.chars().allMatch(Character::isDigit)) {
                return true;
            }
            for (Object element : elements) {
                if (element instanceof List<?> || reachesPastKeys(element, steps, step)) {
                    return true;
                }
            }
            return false;
        }
        if (value instanceof Document document) {
            return reachesPastKeys(document.get(field), steps, step + 1);
        }
        return false;
    }
}
