package web

import (
	"fmt"
	"reflect"
	"strings"
)

// formField is what the "field" partial (templates/partials/field.html)
// renders: one form control with its label, hint and error message, and
// the aria-describedby and aria-invalid that tie them together. Templates
// build it with the field function, never by hand, so every form computes
// those attributes the same way.
type formField struct {
	// Name is the form field's name and the control's id (the error
	// summary in the layout links to #name).
	Name string
	// Type is the input type ("text", "email", "password", "date" …),
	// "textarea", or with Options "radio" or "checkbox" for a group.
	Type string
	// Label is the label, or the legend of a group.
	Label string
	// Hint is shown between the label and the control (after the label of
	// a single checkbox) with the id HintID.
	Hint, HintID string
	// Error is the field's own message from pageData.Fields, shown with the
	// id ErrorID.
	Error, ErrorID string
	// Details are the reasons behind Error, listed under it
	// (pageData.FieldDetails), e.g. each password rule not met.
	Details []string
	// DescribedBy lists the ids that describe the control: its hint, any
	// extra ids (the password rules), its error and, when asked for, the
	// page's alert.
	DescribedBy string
	// Invalid sets aria-invalid: the field has an error (or, when asked
	// for, the page has one).
	Invalid bool
	// Value is the control's value (the text of a textarea); an input
	// without HasValue has no value attribute.
	Value    any
	HasValue bool
	// Options are the choices of a radio or checkbox group.
	Options []choice
	// The control's other attributes, each omitted when empty or false.
	Autocomplete, Autocapitalize, Spellcheck, Inputmode, Class string
	Min, Max, Maxlength, Rows                                  string
	Required, Readonly, Checked                                bool
}

// choice is one radio button or checkbox of a group.
type choice struct {
	Value, Label string
	Checked      bool
	// Tag is shown after the label as a tag ("obecny login").
	Tag string
}

// alertID is the id of the layout's alert box (templates/layout.html).
const alertID = "komunikat"

// newFormField builds a formField for the field name of a page from
// key–value pairs, as templates call it:
//
//	{{template "field" (field . "pesel" "label" (t "recovery.pesel") "inputmode" "numeric" "required" true)}}
//
// Keys: label, hint, type, value, options (a []string, or a slice of
// structs with Value, Label and Checked fields), selected (the checked
// one of []string options), tagged and tag (the option whose label gets
// the tag), describedby (more ids describing the control), alert (the
// page's alert describes the control when the page has an error),
// alertinvalid (the page's error makes the control invalid),
// autocomplete, autocapitalize, spellcheck, inputmode, class, min, max,
// maxlength, rows, required, readonly, checked. An unknown key or a value
// of the wrong type is an error, so a typo fails the page (and the tests)
// instead of dropping an attribute.
func newFormField(d *pageData, name string, kv ...any) (*formField, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("field %s: odd number of arguments", name)
	}
	f := &formField{Name: name, Type: "text"}
	var (
		extra, selected, tagged, tag string
		alert, alertInvalid          bool
		options                      any
	)
	for i := 0; i < len(kv); i += 2 {
		key, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("field %s: key %v is not a string", name, kv[i])
		}
		val := kv[i+1]
		var err error
		switch key {
		case "value":
			f.Value, f.HasValue = val, true
		case "options":
			options = val
		case "label":
			err = setString(&f.Label, val)
		case "hint":
			err = setString(&f.Hint, val)
		case "type":
			err = setString(&f.Type, val)
		case "selected":
			err = setString(&selected, val)
		case "tagged":
			err = setString(&tagged, val)
		case "tag":
			err = setString(&tag, val)
		case "describedby":
			err = setString(&extra, val)
		case "autocomplete":
			err = setString(&f.Autocomplete, val)
		case "autocapitalize":
			err = setString(&f.Autocapitalize, val)
		case "spellcheck":
			err = setString(&f.Spellcheck, val)
		case "inputmode":
			err = setString(&f.Inputmode, val)
		case "class":
			err = setString(&f.Class, val)
		case "min":
			err = setString(&f.Min, val)
		case "max":
			err = setString(&f.Max, val)
		case "maxlength":
			err = setString(&f.Maxlength, val)
		case "rows":
			err = setString(&f.Rows, val)
		case "alert":
			err = setBool(&alert, val)
		case "alertinvalid":
			err = setBool(&alertInvalid, val)
		case "required":
			err = setBool(&f.Required, val)
		case "readonly":
			err = setBool(&f.Readonly, val)
		case "checked":
			err = setBool(&f.Checked, val)
		default:
			err = fmt.Errorf("unknown key")
		}
		if err != nil {
			return nil, fmt.Errorf("field %s: %s: %w", name, key, err)
		}
	}
	if options != nil {
		var err error
		if f.Options, err = choicesOf(options, selected, tagged, tag); err != nil {
			return nil, fmt.Errorf("field %s: options: %w", name, err)
		}
	}

	single := f.Type == "checkbox" && options == nil
	if f.Hint != "" {
		f.HintID = name + "-wskazowka"
		if single {
			f.HintID = name + "-opis"
		}
	}
	f.Error = d.Fields[name]
	f.Details = d.FieldDetails[name]
	if f.Error != "" {
		f.ErrorID = name + "-blad"
	}
	var ids []string
	for _, id := range []string{f.HintID, extra, f.ErrorID} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	if alert && d.Error != "" {
		ids = append(ids, alertID)
	}
	f.DescribedBy = strings.Join(ids, " ")
	f.Invalid = f.Error != "" || (alertInvalid && d.Error != "")
	return f, nil
}

func setString(dst *string, v any) error {
	s, ok := v.(string)
	if !ok {
		if n, isInt := v.(int); isInt {
			s, ok = fmt.Sprint(n), true
		}
	}
	if !ok {
		return fmt.Errorf("want a string, got %T", v)
	}
	*dst = s
	return nil
}

func setBool(dst *bool, v any) error {
	b, ok := v.(bool)
	if !ok {
		return fmt.Errorf("want a bool, got %T", v)
	}
	*dst = b
	return nil
}

// choicesOf turns a page's options into choices: a []string (each its own
// value and label, checked when it equals selected), or a slice of structs
// with the fields Value, Label (strings) and Checked (bool). The option
// equal to tagged gets the tag.
func choicesOf(options any, selected, tagged, tag string) ([]choice, error) {
	if ss, ok := options.([]string); ok {
		cs := make([]choice, len(ss))
		for i, s := range ss {
			cs[i] = choice{Value: s, Label: s, Checked: s == selected}
			if tag != "" && s == tagged {
				cs[i].Tag = tag
			}
		}
		return cs, nil
	}
	v := reflect.ValueOf(options)
	if v.Kind() != reflect.Slice {
		return nil, fmt.Errorf("want a slice, got %T", options)
	}
	cs := make([]choice, v.Len())
	for i := range cs {
		o := reflect.Indirect(v.Index(i))
		if o.Kind() != reflect.Struct {
			return nil, fmt.Errorf("want structs, got %s", o.Type())
		}
		value, label, checked := o.FieldByName("Value"), o.FieldByName("Label"), o.FieldByName("Checked")
		if value.Kind() != reflect.String || label.Kind() != reflect.String || checked.Kind() != reflect.Bool {
			return nil, fmt.Errorf("%s lacks Value, Label (string) or Checked (bool)", o.Type())
		}
		cs[i] = choice{Value: value.String(), Label: label.String(), Checked: checked.Bool()}
		if tag != "" && cs[i].Value == tagged {
			cs[i].Tag = tag
		}
	}
	return cs, nil
}

// dict builds a map from key–value pairs, for passing several values to a
// partial: {{template "applications_table" (dict "Rows" $p.Rows "Caption" (t "queue.caption"))}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
